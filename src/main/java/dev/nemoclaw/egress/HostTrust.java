package dev.nemoclaw.egress;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The host's trust store: the roots an inspected tunnel's origin must chain to (the sandbox's own
 * CA is never among them), and what the sandbox's {@code ca-bundle.pem} starts from. Taken from
 * {@code SSL_CERT_FILE} when the supervisor has it set (as OpenSSL does), else from the system
 * bundle {@link #SYSTEM_BUNDLE}, else from the JDK's own roots. Thread-safe.
 */
public final class HostTrust {
  /** Debian's and Ubuntu's bundle (Fedora links it too). */
  public static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

  static {
    NettyLogging.init();
  }

  private final String source;
  private final List<X509Certificate> roots;
  private SslContext clientContext; // made once, on first use (or warmUp)

  private HostTrust(String source, List<X509Certificate> roots) {
    this.source = source;
    this.roots = List.copyOf(roots);
  }

  /** Where the roots came from, for messages. */
  public String source() {
    return source;
  }

  public List<X509Certificate> roots() {
    return roots;
  }

  /**
   * The client side of an inspected tunnel's origin connection: these roots (never the sandbox
   * CA), host name verification as browsers do it, HTTP/1.1 offered by ALPN.
   */
  synchronized SslContext clientContext() {
    if (clientContext == null) {
      try {
        clientContext = SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            .trustManager(roots.toArray(X509Certificate[]::new))
            .endpointIdentificationAlgorithm("HTTPS")
            .applicationProtocolConfig(SandboxCa.http11Only())
            .build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot make the TLS client context: " + e.getMessage(),
            e);
      }
    }
    return clientContext;
  }

  /** Makes {@link #clientContext} now (a start-up thread can, while others work). */
  public void warmUp() {
    clientContext();
  }

  /** Exactly these roots (tests: an origin with its own test CA). */
  public static HostTrust of(List<X509Certificate> roots) {
    return new HostTrust("given certificates", roots);
  }

  /** The host's trust store, found as the class comment says. */
  public static HostTrust load(Map<String, String> env) throws IOException {
    Optional<Path> file = bundleFile(env, Files::isRegularFile);
    if (file.isEmpty()) {
      return jdk();
    }
    Path f = file.get();
    List<X509Certificate> roots;
    try {
      roots = Pem.decode(Files.readAllBytes(f));
    } catch (IOException | CertificateException e) {
      throw new IOException("cannot read the trust bundle " + f + ": " + e.getMessage(), e);
    }
    if (roots.isEmpty()) {
      throw new IOException("the trust bundle " + f + " holds no certificate");
    }
    return new HostTrust(f.toString(), roots);
  }

  /**
   * Which bundle file applies: {@code SSL_CERT_FILE} when set (even if missing: reading it then
   * fails loudly), else the system bundle if it exists, else none (the JDK's roots).
   */
  static Optional<Path> bundleFile(Map<String, String> env, Predicate<Path> exists) {
    String set = env.get("SSL_CERT_FILE");
    if (set != null && !set.isBlank()) {
      return Optional.of(Path.of(set));
    }
    return exists.test(SYSTEM_BUNDLE) ? Optional.of(SYSTEM_BUNDLE) : Optional.empty();
  }

  private static HostTrust jdk() throws IOException {
    try {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init((KeyStore) null);
      for (TrustManager m : f.getTrustManagers()) {
        if (m instanceof X509TrustManager x) {
          return new HostTrust("the JDK's trust store",
              Arrays.asList(x.getAcceptedIssuers()));
        }
      }
      throw new IOException("the JDK has no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the JDK's trust store: " + e.getMessage(), e);
    }
  }

  /** The roots, then {@code extra}, as one PEM bundle (the sandbox's {@code ca-bundle.pem}). */
  public byte[] bundleWith(X509Certificate extra) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : roots) {
      sb.append(Pem.encode(c));
    }
    sb.append(Pem.encode(extra));
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
