package dev.nemoclaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ControlServerTest {
  Path home;
  Path sock;
  FakeTarget target;
  ControlServer server;

  @BeforeEach
  void start() throws IOException {
    home = Files.createTempDirectory("nc-ctl");
    sock = home.resolve("run/sandboxes/demo.sock");
    target = new FakeTarget("demo");
    server = ControlServer.start(sock, target);
  }

  @AfterEach
  void stop() throws IOException, InterruptedException {
    server.close();
    new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
  }

  /** A raw peer: lines in, lines out, nothing interpreted. */
  static final class Raw implements AutoCloseable {
    final SocketChannel ch;
    final Lines lines;

    Raw(Path sock) throws IOException {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(sock));
      lines = new Lines(ch, 64 << 20);
    }

    void send(String s) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }

    JsonNode next() throws IOException {
      String l = lines.read();
      return l == null ? null : Lines.JSON.readTree(l);
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  @Test
  void permissionsAreOwnerOnly() throws IOException {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
    try (var s = Files.list(sock.getParent())) {
      assertEquals(List.of(sock), s.toList(), "no temp bind name left behind");
    }
  }

  @Test
  void helloStatusApprovals() throws Exception {
    target.hold("a1", "old.example.com", 443, 30);
    target.hold("a2", "new.example.com", 80, 1);
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals("demo", c.call("hello").path("sandbox").asText());
      assertEquals(1, c.call("hello").path("version").asInt());
      ObjectNode st = c.call("status");
      assertEquals(2, st.path("pending").asInt());
      assertEquals(48L << 20, st.path("memoryBytes").asLong());
      JsonNode items = c.call("approvals").path("items");
      assertEquals(2, items.size());
      assertEquals("a2", items.get(0).path("id").asText(), "newest first");
    }
  }

  @Test
  void decideOnceThenAlreadyDecidedThenUnknown() throws Exception {
    target.hold("a1", "x.example.com", 443, 1);
    try (ControlClient c = ControlClient.connect(sock)) {
      ObjectNode args = Lines.JSON.createObjectNode().put("approval", "a1").put("verdict", "session")
          .put("ttl", "5m").put("uses", 3).put("channel", "cli");
      ObjectNode r = c.call("decide", args);
      assertEquals("session", r.path("verdict").asText());
      assertEquals("root", r.path("by").asText(), "the peer's OS user, from SO_PEERCRED");
      assertEquals(List.of("a1 session ttl=PT5M uses=3 cli"), target.decisions);
      var again = assertThrows(ControlTarget.ControlError.class, () -> c.call("decide", args));
      assertEquals("already_decided", again.code());
      assertEquals("root", again.details().path("by").asText());
      assertEquals("cli", again.details().path("channel").asText());
      var unknown = assertThrows(ControlTarget.ControlError.class,
          () -> c.call("decide", args.deepCopy().put("approval", "zz")));
      assertEquals("unknown_approval", unknown.code());
      for (ObjectNode bad : List.of(args.deepCopy().put("verdict", "maybe"),
          args.deepCopy().put("ttl", "soon"), args.deepCopy().put("uses", -1),
          args.deepCopy().put("channel", "carrier-pigeon"), args.deepCopy().without("approval"))) {
        var e = assertThrows(ControlTarget.ControlError.class, () -> c.call("decide", bad));
        assertEquals("bad_request", e.code(), bad::toString);
      }
      assertEquals("demo", c.call("hello").path("sandbox").asText(), "still usable");
    }
  }

  @Test
  void stopAnswersAtOnceAndPassesTheGrace() throws Exception {
    target.onStop = () -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try (ControlClient c = ControlClient.connect(sock, Duration.ofSeconds(2))) {
      assertTrue(c.call("stop", Lines.JSON.createObjectNode().put("graceSeconds", 3))
          .path("stopping").asBoolean());
    }
    for (int i = 0; i < 50 && target.stops.isEmpty(); i++) {
      Thread.sleep(20);
    }
    assertEquals(List.of(Duration.ofSeconds(3)), target.stops);
  }

  @Test
  void subscribeStreamsEventsUntilClosed() throws Exception {
    List<ObjectNode> got = new CopyOnWriteArrayList<>();
    try (ControlClient c = ControlClient.connect(sock);
        ControlClient.Subscription s =
            c.subscribe(List.of("approvals", "stats", "inference"), got::add)) {
      assertEquals(3, s.result().path("topics").size());
      Await.until(() -> target.subscribers() == 1);
      target.hold("a9", "e.example.com", 443, 0);
      target.emit("output", FakeTarget.event("output").put("text", "not subscribed"));
      target.emit("stats", FakeTarget.event("stats").put("pids", 3));
      target.emit("inference", FakeTarget.event("inference").put("kind", "call"));
      Await.until(() -> got.size() == 3);
      assertEquals("approval.new", got.get(0).path("event").asText());
      assertEquals("stats", got.get(1).path("event").asText());
      assertEquals("inference", got.get(2).path("event").asText());
      var bad = assertThrows(ControlTarget.ControlError.class,
          () -> c.subscribe(List.of("gossip"), e -> {}));
      assertEquals("bad_request", bad.code());
    }
    Await.until(() -> target.subscribers() == 0);
  }

  @Test
  void logsWithFollowSendsTheBacklogThenOutput() throws Exception {
    target.log.addAll(List.of("line one", "line two"));
    List<ObjectNode> got = new CopyOnWriteArrayList<>();
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals(2, c.call("logs").path("lines").size());
      assertEquals(0, target.subscribers(), "no follow, no subscription");
      try (var s = c.open("logs", Lines.JSON.createObjectNode().put("follow", true), got::add)) {
        assertEquals("line one", s.result().path("lines").get(0).asText());
        target.emit("output", FakeTarget.event("output").put("stream", "stdout").put("text", "three"));
        target.emit("lifecycle", FakeTarget.event("exit").put("code", 0));
        Await.until(() -> got.size() == 2);
        assertEquals("three", got.get(0).path("text").asText());
      }
    }
  }

  @Test
  void garbageGetsErrorsAndTheConnectionStaysUsable() throws Exception {
    try (Raw r = new Raw(sock)) {
      r.send("this is not json\n");
      r.send("[1,2,3]\n");
      r.send("{\"id\":5}\n");
      r.send("{\"id\":6,\"op\":\"rm -rf\"}\n");
      r.send("{\"id\":{\"x\":1},\"op\":\"status\"\n");
      r.send("\n\n");
      r.send("{\"id\":\"s\",\"op\":\"hello\"}\n");
      for (String code : List.of("bad_request", "bad_request", "bad_request", "unknown_op",
          "bad_request")) {
        JsonNode e = r.next();
        assertFalse(e.path("ok").asBoolean(), e::toString);
        assertEquals(code, e.path("error").asText(), e::toString);
        assertFalse(e.toString().contains("at dev.nemoclaw"), "no stack trace: " + e);
      }
      JsonNode ok = r.next();
      assertEquals("s", ok.path("id").asText());
      assertTrue(ok.path("ok").asBoolean());
    }
  }

  @Test
  void oversizeLineIsRefusedAndSkipped() throws Exception {
    try (Raw r = new Raw(sock)) {
      byte[] big = new byte[ControlServer.MAX_LINE + 10];
      java.util.Arrays.fill(big, (byte) 'x');
      Thread w = Thread.ofVirtual().start(() -> {
        try {
          r.send(new String(big, StandardCharsets.US_ASCII) + "\n{\"id\":2,\"op\":\"hello\"}\n");
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      JsonNode e = r.next();
      assertEquals("bad_request", e.path("error").asText());
      assertTrue(e.path("message").asText().contains("1 MiB"), e::toString);
      assertEquals(2, r.next().path("id").asInt());
      w.join();
    }
  }

  @Test
  void targetFailuresAreAnsweredNotThrown() throws Exception {
    server.close();
    ControlTarget broken = new FakeTarget("demo") {
      @Override
      public ObjectNode status() {
        throw new IllegalStateException("cgroup gone");
      }
    };
    server = ControlServer.start(sock, broken);
    try (ControlClient c = ControlClient.connect(sock)) {
      var e = assertThrows(ControlTarget.ControlError.class, () -> c.call("status"));
      assertEquals("internal", e.code());
      assertTrue(e.getMessage().contains("cgroup gone"));
      assertEquals("demo", c.call("hello").path("sandbox").asText());
    }
  }

  @Test
  void callTimesOutWithAClearMessage() throws Exception {
    server.close();
    server = ControlServer.start(sock, new FakeTarget("demo") {
      @Override
      public ObjectNode status() {
        try {
          Thread.sleep(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.status();
      }
    });
    try (ControlClient c = ControlClient.connect(sock, Duration.ofMillis(300))) {
      long t0 = System.nanoTime();
      var e = assertThrows(IOException.class, () -> c.call("status"));
      assertTrue(e.getMessage().contains("no answer to \"status\""), e.getMessage());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3));
    }
  }

  @Test
  void anotherUidIsRefused() throws Exception {
    // let uid 65534 reach the socket at all, so the server's own check is what refuses it
    for (Path p = sock.getParent(); p != null && p.startsWith(home); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
    String py = "import socket,sys\n"
        + "s=socket.socket(socket.AF_UNIX)\n"
        + "s.connect(sys.argv[1])\n"
        + "s.sendall(b'{\"id\":1,\"op\":\"status\"}\\n')\n"
        + "f=s.makefile('rb')\n"
        + "print(f.readline().decode().strip())\n"
        + "print('EOF' if f.readline()==b'' else 'MORE')\n";
    Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "/usr/bin/python3", "-c", py, sock.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    String[] lines = out.strip().split("\n");
    JsonNode e = Lines.JSON.readTree(lines[0]);
    assertEquals("forbidden", e.path("error").asText(), out);
    assertTrue(e.path("message").asText().contains("may not control this sandbox"), out);
    assertFalse(out.contains("pending"), "no status leaked: " + out);
    assertEquals("EOF", lines[1], out);
  }

  @Test
  void manyConcurrentClients() throws Exception {
    target.hold("a1", "x.example.com", 443, 0);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Integer>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(pool.submit(() -> {
          int n = 0;
          try (ControlClient c = ControlClient.connect(sock, Duration.ofSeconds(20))) {
            for (int k = 0; k < 5; k++) {
              n += c.call("status").path("pending").asInt();
            }
          }
          return n;
        }));
      }
      for (Future<Integer> f : fs) {
        assertEquals(5, f.get());
      }
    }
  }

  @Test
  void slowSubscriberIsDroppedWithoutBlockingTheSupervisor() throws Exception {
    try (Raw r = new Raw(sock)) {
      r.send("{\"id\":1,\"op\":\"subscribe\",\"topics\":[\"egress\"]}\n");
      assertTrue(r.next().path("ok").asBoolean());
      String pad = "y".repeat(1000);
      long t0 = System.nanoTime();
      // far more than the socket buffer and the queue hold, and the peer reads nothing
      for (int i = 0; i < 50_000; i++) {
        target.emit("egress", FakeTarget.event("egress").put("n", i).put("pad", pad));
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 5000, "emitting must not wait for the peer: " + ms + "ms");
      Await.until(() -> target.subscribers() == 0);
      JsonNode last = null;
      for (JsonNode n = r.next(); n != null; n = r.next()) {
        last = n;
      }
      assertEquals("error", last.path("event").asText(), String.valueOf(last));
      assertEquals("slow_subscriber", last.path("error").asText());
    }
  }

  @Test
  void secondServerOnTheSameSocketIsRefused() {
    var e = assertThrows(IOException.class, () -> ControlServer.start(sock, new FakeTarget("demo")));
    assertTrue(e.getMessage().contains("already listening"), e.getMessage());
  }

  @Test
  void deadSocketFileIsReplaced() throws Exception {
    server.close();
    // a crashed supervisor's socket: bound once, nobody listening
    var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(sock));
    ch.close();
    assertTrue(Files.exists(sock));
    server = ControlServer.start(sock, target);
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals("demo", c.call("hello").path("sandbox").asText());
    }
  }

  @Test
  void closeRemovesTheSocketAndEndsConnections() throws Exception {
    ControlClient c = ControlClient.connect(sock);
    List<ObjectNode> got = new CopyOnWriteArrayList<>();
    var s = c.subscribe(List.of("lifecycle"), got::add);
    server.close();
    assertFalse(Files.exists(sock));
    assertTrue(s.await(Duration.ofSeconds(5)), "the stream ends with the server");
    assertTrue(s.endedByServer());
    assertThrows(IOException.class, () -> c.call("hello"));
    assertThrows(IOException.class, () -> ControlClient.connect(sock));
    assertNull(null);
  }

  // ------------------------------------------------------------ clients that vanish (issue 13)

  /** Live threads named control-something that were not alive in {@code before}. */
  static List<Thread> newControlThreads(java.util.Set<Thread> before) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("control") && !before.contains(t))
        .toList();
  }

  static java.util.Set<Thread> liveThreads() {
    return java.util.Set.copyOf(Thread.getAllStackTraces().keySet());
  }

  /** The server has forgotten every connection and left no thread behind. */
  void awaitNoConnections(java.util.Set<Thread> before) throws Exception {
    Await.until(() -> server.connections() == 0 && newControlThreads(before).isEmpty());
  }

  static String decideLine(int id, String approval, String verdict) {
    return "{\"id\":" + id + ",\"op\":\"decide\",\"approval\":\"" + approval
        + "\",\"verdict\":\"" + verdict + "\",\"channel\":\"cli\"}\n";
  }

  @Test
  void decideThenCloseAtOnceIsAppliedExactlyOnce() throws Exception {
    var before = liveThreads();
    for (int i = 0; i < 60; i++) {
      String id = "c" + i;
      target.hold(id, "h" + i + ".example.com", 443, 0);
      Raw r = new Raw(sock);
      if (i % 2 == 1) {
        // abrupt: no lingering at all (for a unix socket the same close, but say it)
        r.ch.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
      }
      r.send(decideLine(1, id, i % 3 == 0 ? "deny" : "once"));
      r.close(); // before the answer can have been read
    }
    Await.until(() -> target.decisions.size() == 60);
    for (int i = 0; i < 60; i++) {
      String id = "c" + i;
      assertEquals(List.of(id + " " + (i % 3 == 0 ? "deny" : "once") + " ttl=null uses=0 cli"),
          target.decisions.stream().filter(d -> d.startsWith(id + " ")).toList());
    }
    assertTrue(target.pending.isEmpty(), "every decision released its hold");
    awaitNoConnections(before);
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals("demo", c.call("hello").path("sandbox").asText(), "still serving");
    }
  }

  @Test
  void aDecideBehindAnAnswerThePeerNeverReadsIsStillApplied() throws Exception {
    server.close();
    var released = new java.util.concurrent.CountDownLatch(1);
    target = new FakeTarget("demo") {
      @Override
      public ObjectNode status() {
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.status();
      }
    };
    server = ControlServer.start(sock, target);
    target.hold("a1", "x.example.com", 443, 0);
    var before = liveThreads();
    try (Raw r = new Raw(sock)) {
      // two whole requests, then gone: the answer to the first meets a closed peer
      r.send("{\"id\":1,\"op\":\"status\"}\n" + decideLine(2, "a1", "once"));
    }
    released.countDown();
    Await.until(() -> target.decisions.size() == 1);
    assertEquals(List.of("a1 once ttl=null uses=0 cli"), target.decisions);
    awaitNoConnections(before);
  }

  @Test
  void aSubscriberThatVanishesLeavesNoThreadBehind() throws Exception {
    var before = liveThreads();
    for (int i = 0; i < 20; i++) {
      Raw r = new Raw(sock);
      r.send("{\"id\":1,\"op\":\"subscribe\",\"topics\":[\"approvals\"]}\n");
      assertTrue(r.next().path("ok").asBoolean());
      if (i % 2 == 1) {
        r.ch.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
      }
      r.close();
    }
    Await.until(() -> target.subscribers() == 0);
    awaitNoConnections(before);
  }

  @Test
  void aSubscriberThatNeverReadsAgainIsCutWithinTheGrace() throws Exception {
    var before = liveThreads();
    try (Raw r = new Raw(sock)) {
      r.send("{\"id\":1,\"op\":\"subscribe\",\"topics\":[\"egress\"]}\n");
      assertTrue(r.next().path("ok").asBoolean());
      String pad = "y".repeat(1000);
      // far more than the socket buffers and the queue hold; the peer reads nothing, ever
      for (int i = 0; i < 20_000; i++) {
        target.emit("egress", FakeTarget.event("egress").put("n", i).put("pad", pad));
      }
      Await.until(() -> target.subscribers() == 0);
      long t0 = System.nanoTime();
      awaitNoConnections(before);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < ControlServer.DROP_GRACE.toMillis() + 1000, "cut after " + ms + "ms");
    }
  }

  @Test
  void halfARequestThenGoneIsNotExecuted() throws Exception {
    target.hold("a1", "x.example.com", 443, 0);
    var before = liveThreads();
    String whole = decideLine(1, "a1", "always");
    try (Raw r = new Raw(sock)) {
      r.send(whole.substring(0, whole.length() - 1)); // everything but the newline
    }
    try (Raw r = new Raw(sock)) {
      r.send(whole.substring(0, 20));
    }
    awaitNoConnections(before);
    assertEquals(List.of(), target.decisions, "an unterminated line is not a request");
    assertTrue(target.pending.containsKey("a1"));
  }

  @Test
  void aHugeLineWithoutNewlineIsRefusedWhileItIsStillComing() throws Exception {
    var before = liveThreads();
    try (Raw r = new Raw(sock)) {
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      // the peer never ends its line: the refusal must not wait for a newline or the end
      Thread w = Thread.ofVirtual().start(() -> {
        String chunk = "x".repeat(64 * 1024);
        try {
          while (!stop.get()) {
            r.send(chunk);
          }
        } catch (IOException e) {
          // closed by the test
        }
      });
      JsonNode e = r.next();
      assertEquals("bad_request", e.path("error").asText(), String.valueOf(e));
      assertTrue(e.path("message").asText().contains("1 MiB"), e::toString);
      stop.set(true);
      w.join();
      r.send("\n{\"id\":2,\"op\":\"hello\"}\n");
      assertEquals(2, r.next().path("id").asInt(), "usable again after the long line ends");
    }
    awaitNoConnections(before);
  }

  @Test
  void idleConnectionsAreBoundedAndTheNextOneIsToldWhy() throws Exception {
    server.close();
    server = ControlServer.start(sock, target, 4);
    List<Raw> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        idle.add(new Raw(sock)); // connect, never send
      }
      Await.until(() -> server.connections() == 4);
      try (Raw extra = new Raw(sock)) {
        extra.send("{\"id\":1,\"op\":\"hello\"}\n");
        JsonNode e = extra.next();
        assertEquals("busy", e.path("error").asText(), String.valueOf(e));
        assertTrue(e.path("message").asText().contains("4"), e::toString);
        assertNull(extra.next(), "then the end of stream");
      }
      try (ControlClient c = ControlClient.connect(sock)) {
        var busy = assertThrows(ControlTarget.ControlError.class, () -> c.call("hello"));
        assertEquals("busy", busy.code(), "the client says why, not a broken pipe");
      }
      idle.removeFirst().close();
      Await.until(() -> server.connections() == 3);
      try (ControlClient c = ControlClient.connect(sock)) {
        assertEquals("demo", c.call("hello").path("sandbox").asText(), "a freed place is usable");
      }
    } finally {
      for (Raw r : idle) {
        r.close();
      }
    }
  }
}
