package dev.nemoclaw.egress;

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
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The host's trust store: the roots an inspected tunnel's origin must chain to (the sandbox's own
 * CA is never among them), and what the sandbox's {@code ca-bundle.pem} starts from. Taken from
 * {@code SSL_CERT_FILE} when the supervisor has it set (as OpenSSL does), else from the system
 * bundle {@link #SYSTEM_BUNDLE}, else from the JDK's own roots.
 *
 * @param source where the roots came from, for messages
 * @param roots  the trusted certificates
 */
public record HostTrust(String source, List<X509Certificate> roots) {
  /** Debian's and Ubuntu's bundle (Fedora links it too). */
  public static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

  public HostTrust {
    roots = List.copyOf(roots);
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
