package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A "public" address for origin servers the sandbox reaches through the proxy: 203.0.113.7
 * (TEST-NET-3) on the host's loopback device, so the SSRF guard treats it as any internet host
 * while nothing leaves the machine. Needs root; other tests are skipped without it.
 */
final class TestNet {
  static final String IP = "203.0.113.7";

  private TestNet() {}

  /** Adds the address; true when this call added it (so the caller removes it again). */
  static boolean add() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to add " + IP);
    Process p = new ProcessBuilder("ip", "addr", "add", IP + "/32", "dev", "lo")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    boolean added = p.waitFor() == 0;
    assertTrue(added || out.contains("exists") || out.contains("already assigned"), out);
    return added;
  }

  static void remove(boolean added) throws Exception {
    if (added) {
      new ProcessBuilder("ip", "addr", "del", IP + "/32", "dev", "lo").start().waitFor();
    }
  }

  /** An origin on {@link #IP} (a free port), a virtual thread per exchange. */
  static HttpServer http(int backlog, HttpHandler handler) throws IOException {
    return serve(HttpServer.create(new InetSocketAddress(IP, 0), backlog), handler);
  }

  /** A TLS origin on {@link #IP} ({@code port} 0: a free one), a virtual thread per exchange. */
  static HttpsServer https(int port, SSLContext tls, HttpHandler handler) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(IP, port), 50);
    s.setHttpsConfigurator(new HttpsConfigurator(tls));
    return serve(s, handler);
  }

  /**
   * A TLS context with a keytool-made certificate for {@code host} (and {@code more} names), whose
   * PEM is written to {@code dir/HOST.pem} (what the supervisor's SSL_CERT_FILE names, to trust
   * that origin).
   */
  static SSLContext selfSigned(Path dir, String host, String... more) throws Exception {
    StringBuilder san = new StringBuilder("SAN=dns:" + host);
    for (String m : more) {
      san.append(",dns:").append(m);
    }
    Path ks = dir.resolve(host + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    keytool(keytool, "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit", "-alias", "origin", "-keyalg", "EC",
        "-dname", "CN=" + host, "-ext", san.toString(), "-validity", "2");
    keytool(keytool, "-exportcert", "-rfc", "-keystore", ks.toString(), "-storepass", "changeit",
        "-alias", "origin", "-file", dir.resolve(host + ".pem").toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(ks.toFile())) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(store, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  private static void keytool(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor() == 0, out);
  }

  /** Answers every request with {@code hello from origin PATH}. */
  static void hello(HttpExchange ex) throws IOException {
    byte[] b = ("hello from origin " + ex.getRequestURI().getPath() + "\n").getBytes();
    ex.sendResponseHeaders(200, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  /** Makes a test's fixtures readable by the sandbox's uid, which mounts them. */
  static void readableBySandbox(Path dir) throws Exception {
    new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
  }

  private static <S extends HttpServer> S serve(S server, HttpHandler handler) {
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", handler);
    server.start();
    return server;
  }
}
