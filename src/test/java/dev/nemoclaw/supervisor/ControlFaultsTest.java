package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.control.Await;
import dev.nemoclaw.control.ControlClient;
import dev.nemoclaw.control.ControlServer;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.UnknownAction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Control clients that vanish mid-decision (issue 13), against what a run really serves: the
 * {@link Session} over a real {@link Inbox}, behind the real {@link ControlServer} on a real unix
 * socket, with holds made the way the proxy makes them ({@link Session#unknownHandler}).
 */
@Timeout(120)
class ControlFaultsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path home;
  Path sock;
  Inbox inbox;
  Session session;
  ControlServer server;
  /** Every inbox event, in order: a hold released twice would show two Decided events. */
  final List<InboxEvent> events = new CopyOnWriteArrayList<>();
  Set<Thread> before;

  @BeforeEach
  void start() throws IOException {
    home = Files.createTempDirectory("nc-ctlf");
    sock = home.resolve("run/sandboxes/t.sock");
    Network network = new Network(NetworkMode.PROXY, List.of(), List.of(), List.of(),
        UnknownAction.ASK, Duration.ofMinutes(5));
    inbox = new Inbox(Duration.ofMinutes(5), false, PolicyWriter.none());
    inbox.listen(events::add);
    session = new Session("t", "linux", inbox,
        new LivePolicy(new TestSource(home.resolve("agent.yaml"), network),
            PolicyStore.forSandbox(home.resolve("state"), "t")),
        new PrintStream(OutputStream.nullOutputStream()));
    before = Set.copyOf(Thread.getAllStackTraces().keySet());
    server = ControlServer.start(sock, session);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    inbox.close();
    new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
  }

  /** A request held the way the proxy holds one; the stage is what the proxy waits on. */
  CompletionStage<Decision> hold(String host) {
    return session.unknownHandler().onUnknown(
        EgressRequest.tunnel(host, 443, Optional.of("/usr/bin/curl")),
        new Decision.Unknown("network.unknown: ask", "", ""), Peer.of(12, "/usr/bin/curl"));
  }

  String idOf(String host) {
    return inbox.pending().stream().filter(p -> p.request().host().equals(host)).findFirst()
        .map(Pending::id).orElseThrow(() -> new AssertionError("no pending item for " + host));
  }

  String idOfDecided(String host) {
    return events.stream().filter(e -> e instanceof InboxEvent.Decided d
        && d.item().request().host().equals(host)).findFirst()
        .map(e -> ((InboxEvent.Decided) e).item().id())
        .orElseThrow(() -> new AssertionError("no decision on " + host));
  }

  /** Decided events for {@code id}, once the first has been heard. */
  long decidedEvents(String id) throws Exception {
    Await.until(() -> decidedCount(id) > 0);
    return decidedCount(id);
  }

  long decidedCount(String id) {
    return events.stream().filter(e -> e instanceof InboxEvent.Decided d
        && d.item().id().equals(id)).count();
  }

  static String decideLine(int n, String approval, String verdict) {
    return "{\"id\":" + n + ",\"op\":\"decide\",\"approval\":\"" + approval + "\",\"verdict\":\""
        + verdict + "\",\"channel\":\"cli\"}\n";
  }

  static SocketChannel raw(Path sock) throws IOException {
    return SocketChannel.open(UnixDomainSocketAddress.of(sock));
  }

  static void send(SocketChannel ch, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** The server's connection and event threads are all gone again (its acceptor stays). */
  void awaitNoControlThreads() throws Exception {
    Await.until(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive()
        && t.getName().startsWith("control") && !t.getName().startsWith("control-accept")
        && !before.contains(t)));
  }

  static Decision resolved(CompletionStage<Decision> s) throws Exception {
    return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aDecideFromAClientThatClosesAtOnceReleasesTheHoldOnceWithItsVerdict() throws Exception {
    int n = 40;
    List<CompletionStage<Decision>> holds = new CopyOnWriteArrayList<>();
    for (int i = 0; i < n; i++) {
      holds.add(hold("h" + i + ".example.com"));
    }
    for (int i = 0; i < n; i++) {
      SocketChannel ch = raw(sock);
      if (i % 2 == 1) {
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      }
      send(ch, decideLine(1, idOf("h" + i + ".example.com"), i % 4 < 2 ? "once" : "deny"));
      ch.close(); // without reading the answer
    }
    for (int i = 0; i < n; i++) {
      Decision d = resolved(holds.get(i));
      if (i % 4 < 2) {
        assertInstanceOf(Decision.Allow.class, d, "h" + i);
      } else {
        assertInstanceOf(Decision.Deny.class, d, "h" + i);
      }
    }
    assertTrue(inbox.pending().isEmpty());
    // listeners hear of a decision just after its waiters are answered
    Await.until(() -> events.stream().filter(e -> e instanceof InboxEvent.Decided).count() >= n);
    for (int i = 0; i < n; i++) {
      assertEquals(1, decidedEvents(idOfDecided("h" + i + ".example.com")),
          "each hold released exactly once");
    }
    awaitNoControlThreads();
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals("t", c.call("hello").path("sandbox").asText(), "still serving");
    }
  }

  @Test
  void aSubscriberThatVanishesLeavesTheHoldPendingForEveryoneElse() throws Exception {
    // what term does: subscribe, then list
    SocketChannel term = raw(sock);
    send(term, "{\"id\":1,\"op\":\"subscribe\",\"topics\":[\"approvals\"]}\n"
        + "{\"id\":2,\"op\":\"approvals\"}\n");
    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(term),
        StandardCharsets.UTF_8));
    assertTrue(JSON.readTree(in.readLine()).path("ok").asBoolean());
    assertEquals(0, JSON.readTree(in.readLine()).path("result").path("items").size());
    CompletionStage<Decision> held = hold("vanish.example.com");
    JsonNode fresh = JSON.readTree(in.readLine());
    assertEquals("approval.new", fresh.path("event").asText(), fresh::toString);
    String id = fresh.path("approval").path("id").asText();
    // gone mid-decision, abruptly, while the hold is pending
    term.setOption(StandardSocketOptions.SO_LINGER, 0);
    term.close();
    // its connection ends with nothing left behind (its event pump used to poll on forever)
    awaitNoControlThreads();
    CompletionStage<Decision> second = hold("after.example.com");

    assertFalse(held.toCompletableFuture().isDone(), "the hold does not go with the watcher");
    assertEquals(2, inbox.pending().size());
    List<ObjectNode> seen = new CopyOnWriteArrayList<>();
    try (ControlClient other = ControlClient.connect(sock);
        ControlClient.Subscription watcher = other.subscribe(List.of("approvals"), seen::add);
        ControlClient lister = ControlClient.connect(sock)) {
      JsonNode items = lister.call("approvals").path("items");
      assertTrue(items.findValuesAsText("id").contains(id), items::toString);
      ObjectNode r = lister.call("decide", JSON.createObjectNode().put("approval", id)
          .put("verdict", "once").put("channel", "cli"));
      assertEquals("once", r.path("verdict").asText());
      assertInstanceOf(Decision.Allow.class, resolved(held));
      Await.until(() -> seen.stream().anyMatch(e -> e.path("event").asText().equals("approval.decided")
          && e.path("approval").asText().equals(id)));
      assertNotNull(watcher.result());
    }
    assertFalse(second.toCompletableFuture().isDone());
    assertEquals(1, decidedEvents(id));
  }

  @Test
  void twoOperatorsDecidingAtTheSameInstantOneWinsEveryTime() throws Exception {
    try (ControlClient a = ControlClient.connect(sock);
        ControlClient b = ControlClient.connect(sock)) {
      for (int round = 0; round < 200; round++) {
        String host = "race" + round + ".example.com";
        CompletionStage<Decision> held = hold(host);
        String id = idOf(host);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Object> ra = new AtomicReference<>();
        AtomicReference<Object> rb = new AtomicReference<>();
        Thread ta = Thread.ofVirtual().start(() -> ra.set(decide(a, go, id, "once")));
        Thread tb = Thread.ofVirtual().start(() -> rb.set(decide(b, go, id, "deny")));
        go.countDown();
        ta.join();
        tb.join();
        Object x = ra.get();
        Object y = rb.get();
        String ctx = "round " + round + ": " + x + " / " + y;
        assertTrue(x instanceof ObjectNode ^ y instanceof ObjectNode, "exactly one ok: " + ctx);
        ObjectNode won = (ObjectNode) (x instanceof ObjectNode ? x : y);
        Object lost = x instanceof ObjectNode ? y : x;
        ControlTarget.ControlError e = assertInstanceOf(ControlTarget.ControlError.class, lost, ctx);
        assertEquals("already_decided", e.code(), ctx);
        assertEquals(won.path("verdict").asText(), e.details().path("verdict").asText(),
            "the loser is told the winner's verdict: " + ctx);
        Decision d = resolved(held);
        assertEquals(won.path("verdict").asText().equals("once"), d instanceof Decision.Allow,
            "released with the winner's verdict: " + ctx + " -> " + d);
        assertEquals(1, decidedEvents(id), ctx);
      }
    }
    awaitNoControlThreads();
  }

  static Object decide(ControlClient c, CountDownLatch go, String id, String verdict) {
    try {
      go.await();
      return c.call("decide", JSON.createObjectNode().put("approval", id).put("verdict", verdict)
          .put("channel", "cli"));
    } catch (ControlTarget.ControlError e) {
      return e;
    } catch (Exception e) {
      return e; // fails the round's assertions, with the exception in the message
    }
  }

  @Test
  void aDecisionForARequestWhoseAgentWentAwayIsAnsweredPlainly() throws Exception {
    // the proxy stops listening to a hold whose client closed (its handler drops the answer);
    // cancel both the proxy's stage and, harsher, the inbox's own future
    CompletionStage<Decision> proxySide = hold("gone.example.com");
    proxySide.toCompletableFuture().cancel(true);
    CompletableFuture<?> inboxSide = inbox.submit(dev.nemoclaw.approval.ApprovalRequest.egress(
        "t", EgressRequest.tunnel("left.example.com", 443, Optional.of("/usr/bin/curl")),
        java.util.OptionalLong.of(13), false)).toCompletableFuture();
    inboxSide.cancel(true);
    String gone = idOf("gone.example.com");
    String left = idOf("left.example.com");
    try (ControlClient c = ControlClient.connect(sock)) {
      ObjectNode r = c.call("decide", JSON.createObjectNode().put("approval", gone)
          .put("verdict", "session").put("channel", "cli"));
      assertEquals("session", r.path("verdict").asText(), r::toString);
      ObjectNode r2 = c.call("decide", JSON.createObjectNode().put("approval", left)
          .put("verdict", "deny").put("channel", "cli"));
      assertEquals("deny", r2.path("verdict").asText(), r2::toString);
      assertTrue(inbox.pending().isEmpty());
      assertTrue(inboxSide.isCancelled(), "nothing completed a cancelled waiter");
      // the agent's retry is answered by the session grant at once: the decision was not lost
      assertInstanceOf(Decision.Allow.class, resolved(hold("gone.example.com")));
      assertEquals("t", c.call("hello").path("sandbox").asText(), "still serving");
    }
    assertEquals(1, decidedEvents(gone));
    assertEquals(1, decidedEvents(left));
  }
}
