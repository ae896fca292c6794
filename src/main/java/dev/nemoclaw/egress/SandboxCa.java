package dev.nemoclaw.egress;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate authority of one run, for TLS inspection: the proxy terminates an inspected
 * tunnel with a leaf certificate for the CONNECT host that this CA signs, and the sandbox trusts
 * the CA through {@code SSL_CERT_FILE} and friends. Made in memory at start; its private key never
 * leaves this object (nothing writes it anywhere), so the CA dies with the run and a certificate it
 * signed is worth nothing elsewhere.
 *
 * <p>EC P-256 throughout (small, fast, accepted by OpenSSL, Node, Python and the JDK). BouncyCastle
 * only builds the certificates; the JDK's providers make the keys and the signatures. Leaves share
 * one key pair (a signature per host, no key generation) and are cached with their
 * {@link SslContext}, least recently used first out. Thread-safe.
 */
public final class SandboxCa {
  /** How long the CA is valid: a run longer than this would see its leaves expire. */
  static final Duration LIFETIME = Duration.ofDays(30);
  /** Clock skew between the supervisor and whatever checks a certificate inside. */
  static final Duration BACKDATE = Duration.ofHours(1);
  private static final int CACHED_HOSTS = 512;
  private static final String SIGNATURE = "SHA256withECDSA";

  private final KeyPair caKeys;
  private final X509Certificate certificate;
  private final KeyPair leafKeys;
  private final SecureRandom random;
  private final Map<String, SslContext> contexts =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SslContext> eldest) {
          return size() > CACHED_HOSTS;
        }
      };

  private SandboxCa(KeyPair caKeys, X509Certificate certificate, KeyPair leafKeys,
      SecureRandom random) {
    this.caKeys = caKeys;
    this.certificate = certificate;
    this.leafKeys = leafKeys;
    this.random = random;
  }

  /** A new CA, subject {@code nemoclaw sandbox CA NAME}, valid from an hour ago for 30 days. */
  public static SandboxCa create(String sandboxName) {
    Objects.requireNonNull(sandboxName, "sandboxName");
    try {
      SecureRandom random = new SecureRandom();
      KeyPair ca = ecKeys(random);
      Instant now = Instant.now();
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, "nemoclaw")
          .addRDN(BCStyle.CN, "nemoclaw sandbox CA " + sandboxName)
          .build();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(LIFETIME)), subject, ca.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(ca.getPublic()));
      X509Certificate cert = sign(b, ca.getPrivate());
      return new SandboxCa(ca, cert, ecKeys(random), random);
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot make the sandbox CA: " + e.getMessage(), e);
    }
  }

  /** The CA certificate (public: what the sandbox is told to trust). */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA certificate in PEM, for {@code ca.pem} and the sandbox's bundle. */
  public String certificatePem() {
    return Pem.encode(certificate);
  }

  /**
   * The server side of an inspected tunnel to {@code host} (a canonical DNS name or IP address,
   * as {@link Destination} spells it): a leaf for it, ALPN offering HTTP/1.1 only, because the
   * proxy speaks HTTP/1.1 inside. Made on first use, then cached; called off the event loops.
   */
  SslContext serverContext(String host) {
    synchronized (contexts) {
      SslContext c = contexts.get(host);
      if (c != null) {
        return c;
      }
    }
    SslContext made;
    try {
      made = SslContextBuilder.forServer(leafKeys.getPrivate(), leaf(host))
          .sslProvider(SslProvider.JDK)
          .applicationProtocolConfig(http11Only())
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot make a TLS context for " + host + ": "
          + e.getMessage(), e);
    }
    synchronized (contexts) {
      SslContext raced = contexts.putIfAbsent(host, made);
      return raced != null ? raced : made;
    }
  }

  /** A leaf for one host: its name (or address) as the only SAN, server authentication only. */
  X509Certificate leaf(String host) {
    boolean ip = host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.'
        || (c >= '0' && c <= '9'));
    try {
      X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "nemoclaw");
      if (host.length() <= 64) { // the longest common name X.520 allows; the SAN is what counts
        name.addRDN(BCStyle.CN, host);
      }
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      PublicKey leafKey = leafKeys.getPublic();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(random),
          certificate.getNotBefore(), certificate.getNotAfter(), name.build(), leafKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
              new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host)))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(leafKey))
          .addExtension(Extension.authorityKeyIdentifier, false,
              ext.createAuthorityKeyIdentifier(certificate));
      return sign(b, caKeys.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot sign a certificate for " + host + ": "
          + e.getMessage(), e);
    }
  }

  static ApplicationProtocolConfig http11Only() {
    return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
        ApplicationProtocolNames.HTTP_1_1);
  }

  private static KeyPair ecKeys(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  /** 120 random bits: positive, unique in practice, well under the 20 octets RFC 5280 allows. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(120, random).setBit(119);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }
}
