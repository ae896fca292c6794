package dev.nemoclaw.egress;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;

/**
 * The certificate authority of one run, for TLS inspection: the proxy terminates an inspected
 * tunnel with a leaf certificate for the CONNECT host that this CA signs, and the sandbox trusts
 * the CA through {@code SSL_CERT_FILE} and friends. Made in memory at start; its private key never
 * leaves this object (nothing writes it anywhere), so the CA dies with the run and a certificate it
 * signed is worth nothing elsewhere.
 *
 * <p>EC P-256 throughout (small, fast, accepted by OpenSSL, Node, Python and the JDK). BouncyCastle
 * only lays out the certificates; the JDK makes the keys and the signatures. Only BouncyCastle's
 * ASN.1 core is used, not its JCA helpers, whose start-up cost (hundreds of milliseconds with the
 * supervisor's C1-only JIT) would land on every inspected run. Leaves share one key pair (a
 * signature per host, no key generation) and are cached with their {@link SslContext}, least
 * recently used first out. Thread-safe.
 */
public final class SandboxCa {
  /** How long the CA is valid: a run longer than this would see its leaves expire. */
  static final Duration LIFETIME = Duration.ofDays(30);
  /** Clock skew between the supervisor and whatever checks a certificate inside. */
  static final Duration BACKDATE = Duration.ofHours(1);
  private static final int CACHED_HOSTS = 512;

  static {
    NettyLogging.init();
  }
  private static final AlgorithmIdentifier ECDSA_SHA256 =
      new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);

  private final KeyPair caKeys;
  private final X509Certificate certificate;
  private final X500Name caName;
  private final byte[] caKeyId;
  private final KeyPair leafKeys;
  private final SecureRandom random;
  private final Map<String, SslContext> contexts =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SslContext> eldest) {
          return size() > CACHED_HOSTS;
        }
      };

  private SandboxCa(KeyPair caKeys, X509Certificate certificate, X500Name caName, byte[] caKeyId,
      KeyPair leafKeys, SecureRandom random) {
    this.caKeys = caKeys;
    this.certificate = certificate;
    this.caName = caName;
    this.caKeyId = caKeyId;
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
      SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(ca.getPublic().getEncoded());
      byte[] keyId = keyId(key);
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(subject, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(LIFETIME)), subject, key)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
      X509Certificate cert = sign(b, ca.getPrivate());
      return new SandboxCa(ca, cert, subject, keyId, ecKeys(random), random);
    } catch (GeneralSecurityException | IOException e) {
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
    SslContext made = newContext(host);
    synchronized (contexts) {
      SslContext raced = contexts.putIfAbsent(host, made);
      return raced != null ? raced : made;
    }
  }

  /**
   * Loads what the first inspected connection would otherwise wait for (the JDK's TLS server
   * side): a context for a name nothing uses, not kept.
   */
  public void warmUp() {
    try {
      newContext("warm-up.invalid").newEngine(ByteBufAllocator.DEFAULT);
    } catch (RuntimeException e) {
      // only a head start is lost; the real use says what is wrong
    }
  }

  /**
   * The JDK's TLS with the leaf, wrapped for Netty as is. Not through {@code SslContextBuilder}:
   * its server context's first use tests the JDK by making a self-signed certificate and a key
   * store (close to a second of the C1-only supervisor's time), and each context would put the key
   * in a key store of its own, encrypted with PBKDF2 (tens of milliseconds per host).
   */
  private SslContext newContext(String host) {
    try {
      SSLContext jdk = SSLContext.getInstance("TLS");
      jdk.init(new KeyManager[] {new LeafKeyManager(leafKeys.getPrivate(), leaf(host))},
          new TrustManager[] {NO_CLIENT_CERTIFICATES}, random);
      return new JdkSslContext(jdk, false, null, IdentityCipherSuiteFilter.INSTANCE,
          http11Only(), ClientAuth.NONE, null, false);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a TLS context for " + host + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The server never asks clients for certificates; an explicit trust manager also spares the
   * JDK loading its default trust store for each context.
   */
  private static final X509TrustManager NO_CLIENT_CERTIFICATES = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("client certificates are not accepted");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("not a client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };

  /** A leaf for one host: its name (or address) as the only SAN, server authentication only. */
  X509Certificate leaf(String host) {
    boolean ip = host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.'
        || (c >= '0' && c <= '9'));
    try {
      X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "nemoclaw");
      if (host.length() <= 64) { // the longest common name X.520 allows; the SAN is what counts
        name.addRDN(BCStyle.CN, host);
      }
      SubjectPublicKeyInfo key =
          SubjectPublicKeyInfo.getInstance(leafKeys.getPublic().getEncoded());
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(caName, serial(random),
          certificate.getNotBefore(), certificate.getNotAfter(), name.build(), key)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
              new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host)))
          .addExtension(Extension.subjectKeyIdentifier, false,
              new SubjectKeyIdentifier(keyId(key)))
          .addExtension(Extension.authorityKeyIdentifier, false,
              new AuthorityKeyIdentifier(caKeyId));
      return sign(b, caKeys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
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

  /** RFC 5280 §4.2.1.2, method 1: the SHA-1 of the public key's bits. */
  private static byte[] keyId(SubjectPublicKeyInfo key) throws GeneralSecurityException {
    return MessageDigest.getInstance("SHA-1").digest(key.getPublicKeyData().getBytes());
  }

  /** Signs with the JDK's ECDSA and reads the result back as a JDK certificate. */
  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws GeneralSecurityException, IOException {
    Signature signature = Signature.getInstance("SHA256withECDSA");
    signature.initSign(key);
    ByteArrayOutputStream tbs = new ByteArrayOutputStream();
    X509CertificateHolder holder = b.build(new ContentSigner() {
      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return ECDSA_SHA256;
      }

      @Override
      public OutputStream getOutputStream() {
        return tbs;
      }

      @Override
      public byte[] getSignature() {
        try {
          signature.update(tbs.toByteArray());
          return signature.sign();
        } catch (SignatureException e) {
          throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
      }
    });
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
  }

  /**
   * Hands the JDK the leaf and its key directly. Netty's own route (a key store made per
   * context) encrypts the key with PBKDF2 each time: tens of milliseconds per host for nothing.
   */
  private static final class LeafKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "leaf";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    LeafKeyManager(PrivateKey key, X509Certificate leaf) {
      this.key = key;
      this.chain = new X509Certificate[] {leaf};
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return keyType.equals("EC") ? ALIAS : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return keyType.equals("EC") ? ALIAS : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return keyType.equals("EC") ? new String[] {ALIAS} : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
