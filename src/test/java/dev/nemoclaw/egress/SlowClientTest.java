package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.Decision;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that send slowly on purpose (slowloris): a request head or a screened body dripped a
 * byte at a time never leaves the connection idle, so only the head and body deadlines
 * ({@link ProxyLimits#headerTimeout()}, {@link ProxyLimits#bodyTimeout()}) end it. The proxy's
 * idle timeout stays at its 5-minute default throughout, so a cut within seconds is the deadline's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration DEADLINE = Duration.ofSeconds(1);
  static final long DRIP_MS = 200;

  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  Origin origin;
  EgressProxy proxy;
  InetSocketAddress address;

  @BeforeEach
  void origin() throws IOException {
    origin = Origin.start("origin");
    closeLater.add(origin);
  }

  @AfterEach
  void closeAll() throws Exception {
    threads.shutdownNow();
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  void start(EgressProxy.Builder b) throws IOException {
    proxy = b.resolver(EgressProxyTest.RESOLVER).events(events::add)
        .limits(ProxyLimits.defaults().withHeaderTimeout(DEADLINE).withBodyTimeout(DEADLINE))
        .start();
    closeLater.add(proxy);
    address = proxy.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  void start() throws IOException {
    start(EgressProxy.builder(EgressProxyTest.usual()));
  }

  String hello() {
    return "GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x\r\n";
  }

  /** A head that takes far longer to drip than any deadline here (about a minute). */
  String endlessHead() {
    return hello() + "X-Pad: " + "a".repeat(300) + "\r\n\r\n";
  }

  /**
   * Drips {@code text} one byte every {@link #DRIP_MS} on its own thread, until it is all sent,
   * the proxy cuts the connection, or {@code stop} is set.
   */
  CompletableFuture<Void> drip(Raw raw, String text, AtomicBoolean stop) {
    return CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < text.length() && !stop.get(); i++) {
          raw.send(text.substring(i, i + 1));
          Thread.sleep(DRIP_MS);
        }
      } catch (IOException | InterruptedException e) {
        // cut by the proxy (or the test is over)
      }
    }, threads);
  }

  static void assertTimedOut(Raw.Response r) throws IOException {
    assertEquals(408, r.status(), r.body());
    JsonNode body = JSON.readTree(r.body());
    assertEquals("request_timeout", body.get("error").asText());
    assertTrue(body.get("reason").asText().contains("1000 ms"), r.body());
    assertEquals("close", r.header("Connection"));
  }

  /** A normal request on a connection of its own, with the time it took. */
  long servedNormally() throws IOException {
    long t0 = System.nanoTime();
    try (Raw raw = new Raw(address)) {
      raw.send(hello() + "Connection: close\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("hello from origin", r.body());
      assertTrue(raw.closedByPeer());
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  void awaitNoConnections() throws InterruptedException {
    long until = System.nanoTime() + 5_000_000_000L;
    while (proxy.openConnections() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(0, proxy.openConnections());
  }

  // ------------------------------------------------------------------ the head

  @Test
  void drippedHeadGets408WhileAnotherClientIsServed() throws Exception {
    start();
    AtomicBoolean stop = new AtomicBoolean();
    try (Raw slow = new Raw(address)) {
      long t0 = System.nanoTime();
      drip(slow, endlessHead(), stop);
      Thread.sleep(300);
      long normalMs = servedNormally();
      assertTrue(normalMs < 900, "a normal client waited " + normalMs + " ms during the drip");
      assertTimedOut(slow.read());
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(slow.closedByPeer());
      stop.set(true);
      assertTrue(cutMs >= 900 && cutMs < 3000, "cut after " + cutMs + " ms");
    }
    awaitNoConnections();
    assertTrue(origin.seen.stream().noneMatch(s -> s.headers().containsKey("X-pad")));
  }

  @Test
  void twoHundredDrippingConnectionsAreAllCut() throws Exception {
    start();
    int n = 200;
    List<Raw> raws = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    try {
      for (int i = 0; i < n; i++) {
        raws.add(new Raw(address));
      }
      long t0 = System.nanoTime();
      // one thread drips to all of them in turn
      String head = endlessHead();
      CompletableFuture<Void> dripper = CompletableFuture.runAsync(() -> {
        boolean[] cut = new boolean[n];
        for (int i = 0; i < head.length() && !stop.get(); i++) {
          for (int k = 0; k < n; k++) {
            try {
              if (!cut[k]) {
                raws.get(k).send(head.substring(i, i + 1));
              }
            } catch (IOException e) {
              cut[k] = true;
            }
          }
          try {
            Thread.sleep(DRIP_MS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, threads);
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      for (Raw raw : raws) {
        answers.add(CompletableFuture.supplyAsync(() -> {
          try {
            int status = raw.read().status();
            return raw.closedByPeer() ? status : -2;
          } catch (IOException e) {
            return -1;
          }
        }, threads));
      }
      Thread.sleep(300);
      long normalMs = servedNormally();
      assertTrue(normalMs < 900, "a normal client waited " + normalMs + " ms during the attack");
      for (CompletableFuture<Integer> a : answers) {
        assertEquals(408, a.get(10, TimeUnit.SECONDS));
      }
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      stop.set(true);
      dripper.get(5, TimeUnit.SECONDS);
      System.out.println("slowloris: " + n + " dripping connections all cut after " + cutMs
          + " ms (header timeout " + DEADLINE.toMillis() + " ms); a normal request meanwhile took "
          + normalMs + " ms");
      assertTrue(cutMs < 4000, "all cut after " + cutMs + " ms");
    } finally {
      stop.set(true);
      for (Raw raw : raws) {
        raw.close();
      }
    }
    awaitNoConnections();
  }

  @Test
  void blankLinesDrippedBeforeARequestAreCutToo() throws Exception {
    start();
    AtomicBoolean stop = new AtomicBoolean();
    try (Raw slow = new Raw(address)) {
      long t0 = System.nanoTime();
      drip(slow, "\r\n".repeat(300), stop);
      assertTimedOut(slow.read());
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      stop.set(true);
      assertTrue(cutMs < 3000, "cut after " + cutMs + " ms");
    }
  }

  @Test
  void aKeptConnectionsSecondRequestThatDripsIsCut() throws Exception {
    start();
    AtomicBoolean stop = new AtomicBoolean();
    try (Raw raw = new Raw(address)) {
      raw.send(hello() + "\r\n");
      assertEquals(200, raw.read().status());
      // idle between requests for longer than the deadline: it counts from the next first byte
      Thread.sleep(DEADLINE.toMillis() + 500);
      long t0 = System.nanoTime();
      drip(raw, endlessHead(), stop);
      assertTimedOut(raw.read());
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      stop.set(true);
      assertTrue(cutMs >= 900 && cutMs < 3000, "cut after " + cutMs + " ms");
      assertTrue(raw.closedByPeer());
    }
    assertEquals(1, origin.seen.size());
    awaitNoConnections();
  }

  @Test
  void slowHeadsThatCompleteInTimePassEachWithItsOwnDeadline() throws Exception {
    start();
    try (Raw raw = new Raw(address)) {
      // three requests on one connection, each head in pieces over ~600 ms: 1.8 s in all,
      // more than one deadline, less than one per request
      for (int i = 0; i < 3; i++) {
        String head = hello() + "X-Request: " + i + "\r\n\r\n";
        int piece = head.length() / 4 + 1;
        for (int at = 0; at < head.length(); at += piece) {
          raw.send(head.substring(at, Math.min(head.length(), at + piece)));
          Thread.sleep(150);
        }
        Raw.Response r = raw.read();
        assertEquals(200, r.status());
        assertEquals("hello from origin", r.body());
      }
    }
    assertEquals(3, origin.seen.size());
  }

  @Test
  void aHeldDecisionIsNotCutByTheHeadDeadline() throws Exception {
    List<Long> askedAt = new CopyOnWriteArrayList<>();
    start(EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of("127.0.0.1")))
        .unknownHandler((req, u, peer) -> {
          askedAt.add(System.nanoTime());
          // the operator takes twice the head deadline to decide
          return CompletableFuture.supplyAsync(
              () -> new Decision.Allow("approval once", "the operator allowed it", false),
              CompletableFuture.delayedExecutor(2 * DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        }));
    try (Raw raw = new Raw(address)) {
      // the head itself comes slowly too (~600 ms), so the deadline was running when it ended
      String head = hello() + "\r\n";
      int piece = head.length() / 4 + 1;
      for (int at = 0; at < head.length(); at += piece) {
        raw.send(head.substring(at, Math.min(head.length(), at + piece)));
        Thread.sleep(150);
      }
      long t0 = System.nanoTime();
      Raw.Response r = raw.read();
      assertEquals(200, r.status(), r.body());
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(waitedMs >= 1500, "answered after " + waitedMs + " ms: was it held?");
    }
    assertEquals(1, askedAt.size());
  }

  /**
   * A refused request's body (up to 64 KiB) is read and dropped to keep the connection; dripped,
   * it is cut like a head.
   */
  @Test
  void aRefusedRequestsBodyThatDripsIsCut() throws Exception {
    start(EgressProxy.builder(EgressProxyTest.usual().denying("origin.test")));
    AtomicBoolean stop = new AtomicBoolean();
    try (Raw raw = new Raw(address)) {
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Length: 1000\r\n\r\n");
      Raw.Response refused = raw.read();
      assertEquals(403, refused.status());
      assertTrue(refused.header("Connection") == null, "kept for the next request");
      long t0 = System.nanoTime();
      drip(raw, "b".repeat(1000), stop);
      Raw.Response r = raw.read();
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      stop.set(true);
      assertTimedOut(r);
      assertTrue(r.body().contains("refused request's body"), r.body());
      assertTrue(cutMs >= 900 && cutMs < 3000, "cut after " + cutMs + " ms");
      assertTrue(raw.closedByPeer());
    }
    awaitNoConnections();
  }

  // ------------------------------------------------------------------ the body

  @Test
  void aScreenedBodyThatTricklesIsCutAndItsEndIsReported() throws Exception {
    start(EgressProxy.builder(EgressProxyTest.usual())
        .privacy(new PrivacyScreeningTest.FakeGuard("mask")));
    AtomicBoolean stop = new AtomicBoolean();
    try (Raw raw = new Raw(address)) {
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\n");
      long t0 = System.nanoTime();
      drip(raw, "b".repeat(100), stop);
      Raw.Response r = raw.read();
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      stop.set(true);
      assertEquals(408, r.status(), r.body());
      JsonNode body = JSON.readTree(r.body());
      assertEquals("request_timeout", body.get("error").asText());
      assertTrue(body.get("reason").asText().contains("body"), r.body());
      assertTrue(cutMs >= 900 && cutMs < 3000, "cut after " + cutMs + " ms");
      assertTrue(raw.closedByPeer());
    }
    assertTrue(origin.seen.isEmpty(), "nothing of the trickled request went out");
    long until = System.nanoTime() + 5_000_000_000L;
    while (ended().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(List.of("request_timeout"), ended().stream().map(EgressEvent.Ended::outcome)
        .toList());
    awaitNoConnections();
  }

  @Test
  void aScreenedBodyInTimePassesAndAStreamedBodyHasNoDeadline() throws Exception {
    start(EgressProxy.builder(EgressProxyTest.usual())
        .privacy(new PrivacyScreeningTest.FakeGuard("mask")));
    String a = "http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n";
    try (Raw raw = new Raw(address)) {
      // screened (text), within the deadline: 5 bytes over ~600 ms
      raw.send("POST " + a + "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
      drip(raw, "hello", new AtomicBoolean()).get(5, TimeUnit.SECONDS);
      Raw.Response r = raw.read();
      assertEquals(200, r.status(), r.body());
      assertEquals("hello", r.body());
      // streamed (binary: not screened), over twice the deadline: nothing is held, not cut
      raw.send("POST " + a + "Content-Type: application/octet-stream\r\n"
          + "Content-Length: 10\r\n\r\n");
      drip(raw, "0123456789", new AtomicBoolean()).get(10, TimeUnit.SECONDS);
      r = raw.read();
      assertEquals(200, r.status(), r.body());
      assertEquals("0123456789", r.body());
    }
  }

  List<EgressEvent.Ended> ended() {
    return events.stream().filter(e -> e instanceof EgressEvent.Ended)
        .map(e -> (EgressEvent.Ended) e).toList();
  }
}
