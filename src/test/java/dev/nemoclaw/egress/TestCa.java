package dev.nemoclaw.egress;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority of its own (not the sandbox CA): the "public" PKI an HTTPS origin
 * in a test belongs to, which the proxy is told to trust (or not) for upstream connections.
 */
final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(1);
  final KeyPair keys;
  final X509Certificate cert;

  private TestCa(KeyPair keys, X509Certificate cert) {
    this.keys = keys;
    this.cert = cert;
  }

  static TestCa create(String name) throws Exception {
    KeyPair k = ec();
    X500Name subject = new X500Name("CN=" + name);
    X509Certificate c = sign(new JcaX509v3CertificateBuilder(subject, serial(), from(), to(),
        subject, k.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true)),
        k.getPrivate());
    return new TestCa(k, c);
  }

  /** An SSLContext serving a leaf for these DNS names, signed by this CA. */
  SSLContext server(String... names) throws Exception {
    KeyPair k = ec();
    GeneralName[] san = new GeneralName[names.length];
    for (int i = 0; i < names.length; i++) {
      san[i] = new GeneralName(GeneralName.dNSName, names[i]);
    }
    X509Certificate leaf = sign(new JcaX509v3CertificateBuilder(cert, serial(), from(), to(),
        new X500Name("CN=" + names[0]), k.getPublic())
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san)),
        keys.getPrivate());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("leaf", k.getPrivate(), "x".toCharArray(), new X509Certificate[] {leaf, cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(ks, "x".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  /** A client SSLContext that trusts exactly this certificate (a CA, usually the sandbox's). */
  static SSLContext trusting(X509Certificate root) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.getAndIncrement());
  }

  private static Date from() {
    return Date.from(Instant.now().minus(1, ChronoUnit.HOURS));
  }

  private static Date to() {
    return Date.from(Instant.now().plus(1, ChronoUnit.DAYS));
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }
}
