package dev.nemoclaw.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InboxTest {
  static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  ManualTime time;
  List<String> persisted;
  Inbox inbox;
  List<InboxEvent> events;

  @BeforeEach
  void setUp() {
    time = new ManualTime(T0);
    persisted = new CopyOnWriteArrayList<>();
    inbox = new Inbox(TIMEOUT, false, (r, allow, d) -> persisted.add((allow ? "allow " : "deny ")
        + r.destination() + " by " + d.user()), time, time);
    events = new CopyOnWriteArrayList<>();
    inbox.listen(events::add);
  }

  @AfterEach
  void tearDown() {
    inbox.close();
  }

  static ApprovalRequest req(String host, int port, String binary) {
    return ApprovalRequest.egress("hello", EgressRequest.tunnel(host, port,
        Optional.ofNullable(binary)), OptionalLong.of(12), false);
  }

  static ApprovalRequest curl(String host) {
    return req(host, 443, "/usr/bin/curl");
  }

  Decider alice() {
    return new Decider("alice", "tui", time.instant());
  }

  static Resolution now(CompletionStage<Resolution> s) {
    CompletableFuture<Resolution> f = s.toCompletableFuture();
    assertTrue(f.isDone(), "not answered yet");
    return f.join();
  }

  static void held(CompletionStage<Resolution> s) {
    assertFalse(s.toCompletableFuture().isDone(), "answered, but should be held");
  }

  String only() {
    List<Pending> p = inbox.pending();
    assertEquals(1, p.size(), p::toString);
    return p.get(0).id();
  }

  @Test
  void onceReleasesTheHeldRequestOnlyAndTheNextIsAskedAgain() {
    var first = inbox.submit(curl("api.example.com"));
    held(first);
    String id = only();
    assertTrue(id.matches("[0-9a-f]{6}"), id);
    var d = assertInstanceOf(DecideResult.Decided.class,
        inbox.decide(id, new Verdict.AllowOnce(), alice()));
    assertEquals("once", d.verdict().wire());
    Resolution r = now(first);
    assertTrue(r.allowed());
    assertEquals("approval " + id, r.rule());
    assertEquals("api.example.com:443 was allowed once by alice (tui).", r.reason());
    assertInstanceOf(Decision.Allow.class, r.toDecision());
    assertEquals(List.of(), inbox.pending());
    assertEquals(List.of(), inbox.grants());

    var second = inbox.submit(curl("api.example.com"));
    held(second);
    assertNotEquals(id, only());
    assertEquals(List.of(), persisted);
  }

  @Test
  void sessionGrantsIdenticalRequestsUntilTheSandboxStops() {
    var first = inbox.submit(curl("api.example.com"));
    inbox.decide(only(), new Verdict.AllowSession(), alice());
    assertTrue(now(first).allowed());
    for (int i = 0; i < 5; i++) {
      Resolution r = now(inbox.submit(curl("api.example.com")));
      assertTrue(r.allowed());
      assertTrue(r.rule().startsWith("session grant "), r.rule());
      assertEquals("alice", r.decider().user());
    }
    time.advance(Duration.ofDays(30));
    assertTrue(now(inbox.submit(curl("api.example.com"))).allowed());
    // another binary, port or host is not covered
    held(inbox.submit(req("api.example.com", 443, "/usr/bin/wget")));
    held(inbox.submit(req("api.example.com", 8443, "/usr/bin/curl")));
    held(inbox.submit(req("api.example.com", 443, null)));
    assertEquals(3, inbox.pending().size());
    assertEquals(List.of(), persisted);
  }

  @Test
  void sessionGrantWithUsesIsSpentAndVanishes() {
    var first = inbox.submit(curl("a.example.com"));
    first.toCompletableFuture();
    inbox.submit(curl("a.example.com"));
    assertEquals(2, inbox.pending().get(0).hits());
    inbox.decide(only(), new Verdict.AllowSession(Optional.empty(), OptionalInt.of(2)), alice());
    assertTrue(now(first).allowed());
    assertEquals(OptionalInt.of(2), inbox.grants().get(0).usesLeft(),
        "the requests held when deciding do not spend uses");
    Resolution one = now(inbox.submit(curl("a.example.com")));
    assertTrue(one.reason().contains("(1 use left)"), one.reason());
    assertTrue(now(inbox.submit(curl("a.example.com"))).allowed());
    assertEquals(List.of(), inbox.grants());
    held(inbox.submit(curl("a.example.com")));
  }

  @Test
  void sessionGrantWithTtlExpiresWithTheClock() {
    inbox.submit(curl("a.example.com"));
    inbox.decide(only(), new Verdict.AllowSession(Optional.of(Duration.ofMinutes(5)),
        OptionalInt.empty()), alice());
    assertEquals(Optional.of(T0.plus(Duration.ofMinutes(5))), inbox.grants().get(0).expiresAt());
    time.advance(Duration.ofMinutes(4));
    assertTrue(now(inbox.submit(curl("a.example.com"))).allowed());
    time.advance(Duration.ofMinutes(1));
    held(inbox.submit(curl("a.example.com")));
    assertEquals(List.of(), inbox.grants());
  }

  @Test
  void ttlAndUsesTogetherWhicheverComesFirst() {
    inbox.submit(curl("a.example.com"));
    inbox.decide(only(), new Verdict.AllowSession(Optional.of(Duration.ofMinutes(5)),
        OptionalInt.of(100)), alice());
    assertTrue(now(inbox.submit(curl("a.example.com"))).allowed());
    time.advance(Duration.ofMinutes(6));
    held(inbox.submit(curl("a.example.com")));
  }

  @Test
  void alwaysPersistsThenGrantsForTheSession() {
    var first = inbox.submit(curl("api.example.com"));
    String id = only();
    assertInstanceOf(DecideResult.Decided.class,
        inbox.decide(id, new Verdict.AllowAlways(), alice()));
    assertEquals(List.of("allow api.example.com:443 by alice"), persisted);
    Resolution r = now(first);
    assertTrue(r.allowed());
    assertTrue(r.reason().contains("allowed always"), r.reason());
    assertTrue(now(inbox.submit(curl("api.example.com"))).allowed());
  }

  @Test
  void denyRefusesTheHeldRequestsOnlyWithAHint() {
    var first = inbox.submit(curl("evil.example.com"));
    inbox.decide(only(), new Verdict.Deny(), alice());
    Resolution r = now(first);
    assertFalse(r.allowed());
    assertEquals("evil.example.com:443 was denied by alice (tui).", r.reason());
    assertTrue(r.hint().contains("{host: evil.example.com, ports: [443]}"), r.hint());
    Decision.Deny d = assertInstanceOf(Decision.Deny.class, r.toDecision());
    assertEquals(r.rule(), d.rule());
    held(inbox.submit(curl("evil.example.com")));
    assertEquals(List.of(), persisted);
  }

  @Test
  void denyAlwaysPersistsAndRefusesLaterRequestsAtOnce() {
    var first = inbox.submit(curl("evil.example.com"));
    String id = only();
    inbox.decide(id, new Verdict.DenyAlways(), alice());
    assertEquals(List.of("deny evil.example.com:443 by alice"), persisted);
    assertFalse(now(first).allowed());
    Resolution later = now(inbox.submit(curl("evil.example.com")));
    assertFalse(later.allowed());
    assertEquals("session denial " + id, later.rule());
    assertInstanceOf(Verdict.DenyAlways.class, later.verdict());
    assertEquals(List.of(), inbox.pending());
    assertFalse(inbox.grants().get(0).allow());
  }

  @Test
  void identicalConcurrentRequestsCoalesceIntoOneItemAndAreReleasedTogether() throws Exception {
    int n = 64;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CyclicBarrier start = new CyclicBarrier(16);
    List<Future<CompletionStage<Resolution>>> subs = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        int k = i;
        subs.add(pool.submit(() -> {
          if (k < 16) {
            start.await();
          }
          return inbox.submit(curl("api.example.com"));
        }));
      }
      List<CompletableFuture<Resolution>> all = new ArrayList<>();
      for (var s : subs) {
        all.add(s.get(10, TimeUnit.SECONDS).toCompletableFuture());
      }
      List<Pending> p = inbox.pending();
      assertEquals(1, p.size(), p::toString);
      assertEquals(n, p.get(0).hits());
      assertTrue(all.stream().noneMatch(CompletableFuture::isDone));
      assertEquals(1, events.stream().filter(e -> e instanceof InboxEvent.New).count());
      assertEquals(n - 1, events.stream().filter(e -> e instanceof InboxEvent.Updated).count());
      inbox.decide(p.get(0).id(), new Verdict.AllowOnce(), alice());
      assertTrue(all.stream().allMatch(f -> f.isDone() && f.join().allowed()));
      assertEquals(1, all.stream().map(CompletableFuture::join).distinct().count(),
          "one decision, one resolution for all");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void noDecisionInTimeIsADenyByTimeout() {
    var a = inbox.submit(curl("slow.example.com"));
    time.advance(Duration.ofSeconds(30));
    var b = inbox.submit(curl("slow.example.com"));
    String id = only();
    assertEquals(T0.plus(TIMEOUT), inbox.pending().get(0).expiresAt());
    time.advance(Duration.ofSeconds(29));
    held(a);
    time.advance(Duration.ofSeconds(1));
    Resolution r = now(a);
    assertFalse(r.allowed());
    assertEquals("timeout", r.decider().channel());
    assertEquals(Decider.NEMOCLAW, r.decider().user());
    assertEquals("No decision on slow.example.com:443 within 1m (network.approvalTimeout), so"
        + " it is refused.", r.reason());
    assertEquals(r, now(b));
    assertEquals(List.of(), inbox.pending());
    InboxEvent last = events.get(events.size() - 1);
    assertEquals(id, assertInstanceOf(InboxEvent.Expired.class, last).item().id());
    var late = assertInstanceOf(DecideResult.AlreadyDecided.class,
        inbox.decide(id, new Verdict.AllowOnce(), alice()));
    assertEquals("timeout", late.decider().channel());
    assertInstanceOf(Verdict.Deny.class, late.verdict());
  }

  @Test
  void aDecisionCancelsTheTimeout() {
    inbox.submit(curl("a.example.com"));
    assertEquals(1, time.scheduled());
    inbox.decide(only(), new Verdict.AllowOnce(), alice());
    assertEquals(0, time.scheduled());
  }

  @Test
  void twoDecidersRacingExactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 200; round++) {
        var held = inbox.submit(curl("race" + round + ".example.com"));
        String id = inbox.pending().get(0).id();
        CyclicBarrier go = new CyclicBarrier(2);
        Verdict v1 = round % 2 == 0 ? new Verdict.AllowAlways() : new Verdict.AllowOnce();
        Future<DecideResult> f1 = pool.submit(() -> {
          go.await();
          return inbox.decide(id, v1, new Decider("alice", "tui", T0));
        });
        Future<DecideResult> f2 = pool.submit(() -> {
          go.await();
          return inbox.decide(id, new Verdict.Deny(), new Decider("bob", "cli", T0));
        });
        DecideResult r1 = f1.get(10, TimeUnit.SECONDS);
        DecideResult r2 = f2.get(10, TimeUnit.SECONDS);
        List<DecideResult> both = List.of(r1, r2);
        assertEquals(1, both.stream().filter(r -> r instanceof DecideResult.Decided).count(),
            both::toString);
        DecideResult.Decided won = (DecideResult.Decided) both.stream()
            .filter(r -> r instanceof DecideResult.Decided).findFirst().orElseThrow();
        DecideResult.AlreadyDecided lost = (DecideResult.AlreadyDecided) both.stream()
            .filter(r -> r instanceof DecideResult.AlreadyDecided).findFirst().orElseThrow();
        assertEquals(won.verdict(), lost.verdict());
        assertEquals(won.decider(), lost.decider());
        assertEquals(won.verdict().allows(), now(held).allowed());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void decideAllRefusesSsrfClassItems() {
    var ok1 = inbox.submit(curl("a.example.com"));
    var ok2 = inbox.submit(curl("b.example.com"));
    var meta = inbox.submit(ApprovalRequest.egress("hello",
        EgressRequest.tunnel("169.254.169.254", 80, Optional.empty()), OptionalLong.empty(),
        true));
    Pending ssrf = inbox.pending().get(0);
    assertTrue(ssrf.warning().isPresent());
    assertEquals("{host: 169.254.169.254, ports: [80]}", ssrf.request().ruleText());
    List<DecideResult> rs = inbox.decideAll(new Verdict.AllowSession(), alice());
    assertEquals(3, rs.size());
    assertEquals(ssrf.id(), assertInstanceOf(DecideResult.BulkRefused.class, rs.get(0)).id());
    assertInstanceOf(DecideResult.Decided.class, rs.get(1));
    assertInstanceOf(DecideResult.Decided.class, rs.get(2));
    assertTrue(now(ok1).allowed());
    assertTrue(now(ok2).allowed());
    held(meta);
    assertEquals(List.of(ssrf.id()), inbox.pending().stream().map(Pending::id).toList());
    // one by one it can be decided
    inbox.decide(ssrf.id(), new Verdict.AllowOnce(), alice());
    assertTrue(now(meta).allowed());
  }

  @Test
  void aFailingPolicyWriterFailsTheDecisionAndKeepsTheItemPending() {
    AtomicInteger calls = new AtomicInteger();
    try (Inbox in = new Inbox(TIMEOUT, false, (r, allow, d) -> {
      calls.incrementAndGet();
      throw new IOException("disk full");
    }, time, time)) {
      var held = in.submit(curl("api.example.com"));
      String id = in.pending().get(0).id();
      var failed = assertInstanceOf(DecideResult.PersistFailed.class,
          in.decide(id, new Verdict.AllowAlways(), alice()));
      assertEquals("disk full", failed.cause().getMessage());
      assertInstanceOf(DecideResult.PersistFailed.class,
          in.decide(id, new Verdict.DenyAlways(), alice()));
      assertEquals(2, calls.get());
      held(held);
      assertEquals(1, in.pending().size());
      assertEquals(List.of(), in.grants());
      assertInstanceOf(DecideResult.Decided.class,
          in.decide(id, new Verdict.AllowOnce(), alice()));
      assertTrue(now(held).allowed());
    }
  }

  @Test
  void ciModeNeverHoldsAndDeniesAtOnce() {
    try (Inbox in = new Inbox(TIMEOUT, true, PolicyWriter.none(), time, time)) {
      List<InboxEvent> seen = new ArrayList<>();
      in.listen(seen::add);
      Resolution r = now(in.submit(curl("api.example.com")));
      assertFalse(r.allowed());
      assertEquals("ci", r.decider().channel());
      assertEquals("network.unknown: ask (--ci)", r.rule());
      assertTrue(r.hint().contains("{host: api.example.com, ports: [443]}"), r.hint());
      assertEquals(List.of(), in.pending());
      assertEquals(List.of(), seen);
      assertEquals(0, time.scheduled());
    }
  }

  @Test
  void unknownIdIsNotFound() {
    assertInstanceOf(DecideResult.NotFound.class,
        inbox.decide("ffffff", new Verdict.AllowOnce(), alice()));
  }

  @Test
  void pendingIsNewestFirstWithUniqueIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      inbox.submit(curl("h" + i + ".example.com"));
      time.advance(Duration.ofMillis(10));
    }
    List<Pending> p = inbox.pending();
    assertEquals(20, p.size());
    assertEquals("h19.example.com", p.get(0).request().host());
    assertEquals("h0.example.com", p.get(19).request().host());
    p.forEach(x -> ids.add(x.id()));
    assertEquals(20, ids.size());
  }

  @Test
  void eventsComeInOrder() {
    inbox.submit(curl("a.example.com"));
    inbox.submit(curl("a.example.com"));
    String id = only();
    inbox.decide(id, new Verdict.AllowSession(), alice());
    assertEquals(3, events.size(), events::toString);
    assertInstanceOf(InboxEvent.New.class, events.get(0));
    assertEquals(2, assertInstanceOf(InboxEvent.Updated.class, events.get(1)).item().hits());
    var d = assertInstanceOf(InboxEvent.Decided.class, events.get(2));
    assertEquals("session", d.verdict().wire());
    assertEquals("alice", d.decider().user());
  }

  @Test
  void listenersMayCallBackIntoTheInbox() {
    List<DecideResult> fromListener = new ArrayList<>();
    inbox.listen(e -> {
      if (e instanceof InboxEvent.New n) {
        fromListener.add(inbox.decide(n.item().id(), new Verdict.AllowOnce(), alice()));
      }
    });
    Resolution r = now(inbox.submit(curl("auto.example.com")));
    assertTrue(r.allowed());
    assertInstanceOf(DecideResult.Decided.class, fromListener.get(0));
  }

  @Test
  void closeDeniesWhatIsPendingAndLaterSubmits() {
    var held = inbox.submit(curl("a.example.com"));
    inbox.close();
    Resolution r = now(held);
    assertFalse(r.allowed());
    assertEquals("stop", r.decider().channel());
    assertFalse(now(inbox.submit(curl("b.example.com"))).allowed());
  }

  @Test
  void realSchedulerTimesOut() throws Exception {
    try (Inbox in = new Inbox(Duration.ofMillis(50), false, PolicyWriter.none())) {
      CountDownLatch expired = new CountDownLatch(1);
      in.listen(e -> {
        if (e instanceof InboxEvent.Expired) {
          expired.countDown();
        }
      });
      var f = in.submit(curl("a.example.com")).toCompletableFuture();
      assertFalse(f.get(5, TimeUnit.SECONDS).allowed());
      assertTrue(expired.await(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void approvalJsonIsTheProtocolsShape() {
    inbox.submit(curl("api.example.com"));
    inbox.submit(curl("api.example.com"));
    inbox.submit(curl("api.example.com"));
    Pending p = inbox.pending().get(0);
    ObjectNode j = ApprovalJson.toJson(p);
    assertEquals(List.of("id", "sandbox", "kind", "host", "port", "binary", "pid", "method",
        "path", "detail", "hits", "createdAt", "expiresAt", "warning", "rule"), fields(j));
    assertEquals("{\"id\":\"" + p.id() + "\",\"sandbox\":\"hello\",\"kind\":\"egress\","
        + "\"host\":\"api.example.com\",\"port\":443,\"binary\":\"/usr/bin/curl\",\"pid\":12,"
        + "\"method\":null,\"path\":null,\"detail\":\"CONNECT api.example.com:443\",\"hits\":3,"
        + "\"createdAt\":\"2026-11-23T12:00:00Z\",\"expiresAt\":\"2026-11-23T12:01:00Z\","
        + "\"warning\":null,\"rule\":\"{host: api.example.com, ports: [443]}\"}", j.toString());

    var d = (DecideResult.Decided) inbox.decide(p.id(), new Verdict.AllowSession(),
        new Decider("alice", "tui", Instant.parse("2026-11-23T12:00:05.250Z")));
    assertEquals("{\"approval\":\"" + p.id() + "\",\"verdict\":\"session\",\"by\":\"alice\","
        + "\"channel\":\"tui\",\"at\":\"2026-11-23T12:00:05Z\"}", ApprovalJson.toJson(d).toString());
    assertEquals("approval.new", ApprovalJson.toJson(events.get(0)).path("event").asText());
    assertEquals(3, ApprovalJson.toJson(events.get(2)).path("approval").path("hits").asInt());
    assertEquals("{\"event\":\"approval.decided\",\"approval\":\"" + p.id() + "\",\"verdict\":"
        + "\"session\",\"by\":\"alice\",\"channel\":\"tui\",\"at\":\"2026-11-23T12:00:05Z\"}",
        ApprovalJson.toJson(events.get(3)).toString());
    var again = (DecideResult.AlreadyDecided) inbox.decide(p.id(), new Verdict.Deny(), alice());
    assertEquals("alice", ApprovalJson.toJson(again).path("by").asText());

    inbox.submit(req("::1", 8080, null));
    time.advance(TIMEOUT);
    InboxEvent x = events.get(events.size() - 1);
    assertEquals("{\"event\":\"approval.expired\",\"approval\":\"" + x.item().id() + "\"}",
        ApprovalJson.toJson(x).toString());
    assertEquals("{host: \"0:0:0:0:0:0:0:1\", ports: [8080]}", x.item().request().ruleText(),
        "the spec's canonical address form");
    assertEquals("CONNECT [::1]:8080", x.item().request().detail());
  }

  @Test
  void plainHttpRequestsShowMethodAndPath() {
    ApprovalRequest r = ApprovalRequest.egress("hello", new EgressRequest("example.com", 80,
        Optional.of("POST"), Optional.of("/upload"), Optional.empty()), OptionalLong.empty(),
        false);
    assertEquals("POST http://example.com:80/upload", r.detail());
    ObjectNode j = ApprovalJson.toJson(new Pending("abcdef", r, 1, T0, T0, Optional.empty()));
    assertEquals("POST", j.path("method").asText());
    assertEquals("/upload", j.path("path").asText());
    assertTrue(j.path("pid").isNull());
    assertTrue(j.path("binary").isNull());
  }

  @Test
  void verdictsParseFromTheProtocol() {
    assertEquals(new Verdict.AllowOnce(), Verdict.parse("once", Optional.empty(),
        OptionalInt.empty()));
    assertEquals(new Verdict.AllowSession(Optional.of(Duration.ofMinutes(5)), OptionalInt.of(3)),
        Verdict.parse("session", Optional.of(Duration.ofMinutes(5)), OptionalInt.of(3)));
    assertEquals(new Verdict.DenyAlways(), Verdict.parse("deny-always", Optional.empty(),
        OptionalInt.empty()));
    assertThrows(IllegalArgumentException.class, () -> Verdict.parse("maybe", Optional.empty(),
        OptionalInt.empty()));
    assertThrows(IllegalArgumentException.class, () -> Verdict.parse("once",
        Optional.of(Duration.ofMinutes(1)), OptionalInt.empty()));
    assertThrows(IllegalArgumentException.class, () -> new Verdict.AllowSession(Optional.empty(),
        OptionalInt.of(0)));
    assertThrows(IllegalArgumentException.class, () -> new Verdict.AllowSession(
        Optional.of(Duration.ZERO), OptionalInt.empty()));
  }

  private static List<String> fields(ObjectNode j) {
    List<String> out = new ArrayList<>();
    j.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
