package dev.nemoclaw.egress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP origin on loopback. /hello says hello and who it is; /echo returns the body;
 * /sha returns the sha256 of the body; /big?n=N streams N deterministic bytes and /big-sha?n=N
 * tells their sha256; /slow waits a second. Remembers each request it saw.
 */
final class Origin implements AutoCloseable {
  record Seen(String method, String uri, Map<String, List<String>> headers, int remotePort) {}

  final HttpServer server;
  final String name;
  final List<Seen> seen = new CopyOnWriteArrayList<>();

  Origin(String name, String bindHost, int port) throws IOException {
    this(name, HttpServer.create(new InetSocketAddress(bindHost, port), 512));
  }

  private Origin(String name, HttpServer server) {
    this.name = name;
    this.server = server;
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  static Origin start(String name) throws IOException {
    return new Origin(name, "127.0.0.1", 0);
  }

  /** The same pages over HTTPS, with the certificate {@code tls} serves. */
  static Origin startTls(String name, SSLContext tls) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
    s.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new Origin(name, s);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange x) throws IOException {
    seen.add(new Seen(x.getRequestMethod(), x.getRequestURI().toString(),
        Map.copyOf(x.getRequestHeaders()), x.getRemoteAddress().getPort()));
    String path = x.getRequestURI().getPath();
    String query = x.getRequestURI().getQuery();
    try (x) {
      switch (path) {
        case "/hello" -> text(x, 200, "hello from " + name);
        case "/echo" -> {
          byte[] body = x.getRequestBody().readAllBytes();
          x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
          x.getResponseBody().write(body);
        }
        case "/sha" -> {
          MessageDigest md = sha();
          byte[] buf = new byte[1 << 16];
          InputStream in = x.getRequestBody();
          long total = 0;
          for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
            total += n;
          }
          text(x, 200, HexFormat.of().formatHex(md.digest()) + " " + total);
        }
        case "/big" -> {
          long n = Long.parseLong(query.substring(2));
          x.sendResponseHeaders(200, n);
          writeBig(x.getResponseBody(), n);
        }
        case "/headers" -> text(x, 200, String.join(",", x.getRequestHeaders().keySet()));
        case "/slow" -> {
          try {
            Thread.sleep(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          text(x, 200, "slow");
        }
        default -> text(x, 404, "no such page");
      }
    }
  }

  /** The deterministic content of /big: block k of 64 KiB starts with its offset. */
  static void fill(byte[] block, long offset) {
    long s = offset * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < block.length; i += 8) {
      s ^= s << 13;
      s ^= s >>> 7;
      s ^= s << 17;
      for (int j = 0; j < 8; j++) {
        block[i + j] = (byte) (s >>> (8 * j));
      }
    }
  }

  /** The first {@code n} bytes of /big. */
  static void writeBig(OutputStream out, long n) throws IOException {
    byte[] block = new byte[1 << 16];
    for (long sent = 0; sent < n; ) {
      fill(block, sent);
      int k = (int) Math.min(block.length, n - sent);
      out.write(block, 0, k);
      sent += k;
    }
  }

  static String bigSha(long n) {
    MessageDigest md = sha();
    try {
      writeBig(new DigestOutputStream(OutputStream.nullOutputStream(), md), n);
    } catch (IOException e) {
      throw new AssertionError(e); // the null stream does not fail
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** SHA-256 (hex) and length of what a client read to its end. */
  record Read(String sha, long length) {}

  static Read readAll(InputStream body) throws IOException {
    MessageDigest md = sha();
    long total = 0;
    try (InputStream in = body) {
      byte[] buf = new byte[1 << 16];
      for (int k; (k = in.read(buf)) > 0; ) {
        md.update(buf, 0, k);
        total += k;
      }
    }
    return new Read(HexFormat.of().formatHex(md.digest()), total);
  }

  static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void text(HttpExchange x, int status, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "text/plain");
    x.sendResponseHeaders(status, b.length);
    x.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
