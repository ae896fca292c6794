package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Origins that reset the TCP connection (SO_LINGER 0, then close: an RST, not a FIN) at the
 * worst moments: before answering, in the middle of a body, inside a tunnel, and while a kept
 * connection waits between requests. The client must get a clear answer or a prompt close, never
 * a hang and never a cut body passed off as whole, and the proxy must go on serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginResetTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  EgressProxy proxy;
  InetSocketAddress address;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  /** What the origin does with its n-th connection (from 0). */
  interface Script {
    void run(Socket s, int n) throws Exception;
  }

  /** A one-listener origin on loopback that plays a {@link Script} on each connection. */
  static final class RawOrigin implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final Thread acceptor;

    RawOrigin(Script script) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor = Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            int n = accepted.getAndIncrement();
            Thread.ofVirtual().start(() -> {
              try (s) {
                script.run(s, n);
              } catch (Exception e) {
                // the proxy went away first, or the test is over
              }
            });
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /** Reads one request head (up to the blank line). */
  static String head(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        return sb.toString();
      }
    }
    throw new IOException("the proxy closed before a whole request head");
  }

  static void write(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Closes with an RST: SO_LINGER 0 discards the send queue and resets the connection. */
  static void reset(Socket s) throws IOException {
    s.setSoLinger(true, 0);
    s.close();
  }

  static void answerOk(Socket s, String body) throws IOException {
    write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
  }

  RawOrigin origin(Script script) throws IOException {
    RawOrigin o = new RawOrigin(script);
    closeLater.add(o);
    return o;
  }

  void start() throws IOException {
    proxy = EgressProxy.builder(EgressProxyTest.usual()).resolver(EgressProxyTest.RESOLVER)
        .events(events::add).start();
    closeLater.add(proxy);
    address = proxy.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  static String get(RawOrigin o, String path) {
    return "GET http://origin.test:" + o.port() + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  List<String> outcomes(int atLeast) throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while (ended().size() < atLeast && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    return ended().stream().map(EgressEvent.Ended::outcome).toList();
  }

  List<EgressEvent.Ended> ended() {
    return events.stream().filter(e -> e instanceof EgressEvent.Ended)
        .map(e -> (EgressEvent.Ended) e).toList();
  }

  /** Everything the proxy sends until it closes; fails when it does not close within 5 s. */
  static byte[] untilClosed(Raw raw) throws IOException {
    raw.socket.setSoTimeout(5000);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long t0 = System.nanoTime();
    try {
      for (int n; (n = raw.in.read(buf)) != -1; ) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the proxy left the client hanging after "
          + (System.nanoTime() - t0) / 1_000_000 + " ms with " + got.size() + " bytes", e);
    } catch (IOException e) {
      // reset: closed as well
    }
    return got.toByteArray();
  }

  // ------------------------------------------------------------------ before the answer

  @Test
  void aResetBeforeTheAnswerIs502AndTheConnectionGoesOn() throws Exception {
    RawOrigin o = origin((s, n) -> {
      head(s.getInputStream());
      if (n == 0) {
        reset(s);
      } else {
        answerOk(s, "fine");
        head(s.getInputStream()); // and wait for the proxy to let go
      }
    });
    start();
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/first"));
      Raw.Response r = raw.read();
      assertEquals(502, r.status(), r.body());
      JsonNode body = JSON.readTree(r.body());
      assertEquals("origin_closed", body.get("error").asText());
      assertTrue(body.get("reason").asText().contains("reset"), r.body());
      assertEquals("origin.test", body.get("host").asText());
      // the request was read whole, so the client's connection stays
      raw.send(get(o, "/second"));
      r = raw.read();
      assertEquals(200, r.status(), r.body());
      assertEquals("fine", r.body());
    }
    assertEquals(List.of("origin_closed", "ok"), outcomes(2));
    assertEquals(2, o.accepted.get());
  }

  // ------------------------------------------------------------------ in the middle of a body

  @Test
  void aResetInAContentLengthBodyClosesTheClientShortOfIt() throws Exception {
    RawOrigin o = origin((s, n) -> {
      head(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
      Thread.sleep(200);
      reset(s);
    });
    start();
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/big"));
      String got = new String(untilClosed(raw), StandardCharsets.ISO_8859_1);
      assertTrue(got.startsWith("HTTP/1.1 200 OK\r\n"), got);
      assertTrue(got.toLowerCase().contains("content-length: 100000\r\n"), got);
      int bodyBytes = got.length() - got.indexOf("\r\n\r\n") - 4;
      assertTrue(bodyBytes < 100000, "a cut body passed for whole: " + bodyBytes);
    }
    assertEquals(List.of("origin_closed"), outcomes(1));
    assertEquals(1000, ended().getFirst().bytesDown());
  }

  @Test
  void aResetInAChunkedBodyClosesTheClientWithoutTheLastChunk() throws Exception {
    RawOrigin o = origin((s, n) -> {
      head(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      Thread.sleep(200);
      reset(s);
    });
    start();
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/chunks"));
      String got = new String(untilClosed(raw), StandardCharsets.ISO_8859_1);
      assertTrue(got.contains("hello"), got);
      assertTrue(!got.contains("\r\n0\r\n\r\n"), "a cut body ended as if whole: " + got);
    }
    assertEquals(List.of("origin_closed"), outcomes(1));
  }

  /**
   * A body without length or chunking ends when the origin closes; the proxy re-frames it as
   * chunked for its HTTP/1.1 client. A FIN ends it whole; an RST cuts it, and the client must not
   * get the last chunk then.
   */
  @Test
  void aResetInABodyEndedByCloseIsNotPassedOffAsItsEnd() throws Exception {
    RawOrigin o = origin((s, n) -> {
      head(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + "y".repeat(1000));
      Thread.sleep(200);
      if (n == 0) {
        reset(s);
      } // else: a plain close (FIN), the body's proper end
    });
    start();
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/cut"));
      String got = new String(untilClosed(raw), StandardCharsets.ISO_8859_1);
      assertTrue(got.toLowerCase().contains("transfer-encoding: chunked"), got);
      assertTrue(got.contains("yyyy"), got);
      assertTrue(!got.endsWith("\r\n0\r\n\r\n"), "a cut body ended as if whole: " + got);
    }
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/whole"));
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("y".repeat(1000), r.body());
    }
    assertEquals(List.of("origin_closed", "ok"), outcomes(2));
  }

  // ------------------------------------------------------------------ a tunnel

  @Test
  void aResetInsideATunnelClosesTheClientPromptly() throws Exception {
    RawOrigin o = origin((s, n) -> {
      InputStream in = s.getInputStream();
      byte[] ping = in.readNBytes(5);
      write(s, new String(ping, StandardCharsets.ISO_8859_1).replace("ping", "pong"));
      Thread.sleep(100);
      reset(s);
    });
    start();
    try (Raw raw = new Raw(address)) {
      assertEquals(200, raw.connect("origin.test:" + o.port()));
      raw.send("ping\n");
      assertEquals("pong", raw.line());
      long t0 = System.nanoTime();
      assertEquals(0, untilClosed(raw).length);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 2000, "closed after " + ms + " ms");
    }
    assertEquals(List.of("origin_closed"), outcomes(1));
    EgressEvent.Ended end = ended().getFirst();
    assertEquals(5, end.bytesUp());
    assertEquals(5, end.bytesDown());
  }

  // ------------------------------------------------------------------ a kept connection

  @Test
  void aResetOfTheKeptOriginConnectionBetweenRequests() throws Exception {
    RawOrigin o = origin((s, n) -> {
      head(s.getInputStream());
      answerOk(s, "answer " + n);
      if (n == 0) {
        Thread.sleep(100); // kept, idle: then gone with an RST
        reset(s);
      } else {
        head(s.getInputStream());
      }
    });
    start();
    try (Raw raw = new Raw(address)) {
      raw.send(get(o, "/one"));
      assertEquals("answer 0", raw.read().body());
      Thread.sleep(400);
      raw.send(get(o, "/two"));
      Raw.Response r = raw.read();
      assertEquals(200, r.status(), r.body());
      assertEquals("answer 1", r.body());
    }
    assertEquals(2, o.accepted.get());
    assertEquals(List.of("ok", "ok"), outcomes(2));
  }

  @Test
  void theProxyServesOnAfterAllOfThese() throws Exception {
    RawOrigin bad = origin((s, n) -> {
      head(s.getInputStream());
      reset(s);
    });
    RawOrigin good = origin((s, n) -> {
      head(s.getInputStream());
      answerOk(s, "ok");
    });
    start();
    for (int i = 0; i < 20; i++) {
      try (Raw raw = new Raw(address)) {
        raw.send(get(bad, "/x"));
        assertEquals(502, raw.read().status());
      }
    }
    try (Raw raw = new Raw(address)) {
      raw.send(get(good, "/y"));
      assertEquals(200, raw.read().status());
    }
    long until = System.nanoTime() + 5_000_000_000L;
    while (proxy.openConnections() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(0, proxy.openConnections());
  }
}
