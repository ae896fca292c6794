package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.Decider;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.UnknownAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyStoreTest {
  static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

  @TempDir Path dir;

  PolicyStore store() {
    return new PolicyStore(dir.resolve("policies/hello"), Clock.fixed(T0, ZoneOffset.UTC));
  }

  static AllowRule allow(String host, int... ports) {
    List<Integer> p = new ArrayList<>();
    for (int x : ports) {
      p.add(x);
    }
    return new AllowRule(HostPattern.parse(host), p, List.of(), List.of(), List.of(), false);
  }

  static DenyRule deny(String host) {
    return new DenyRule(HostPattern.parse(host), List.of(), List.of(), List.of(), List.of());
  }

  @Test
  void anEmptyStoreHasNoRevisions() throws Exception {
    PolicyStore s = store();
    assertEquals(List.of(), s.history());
    assertEquals(RuleSet.EMPTY, s.current());
    assertEquals(RuleSet.EMPTY, s.at(0));
    assertEquals(Optional.empty(), s.latest());
    assertThrows(IllegalArgumentException.class, () -> s.at(1));
    assertThrows(IllegalArgumentException.class, () -> s.rollback(0, "alice"));
  }

  @Test
  void appendsRevisionsThatAddUp() throws Exception {
    PolicyStore s = store();
    Revision r1 = s.append(List.of(allow("api.example.com", 443)), List.of(), "alice", "tui",
        "always allow api.example.com:443");
    assertEquals(1, r1.number());
    assertEquals(T0, r1.time());
    assertEquals("revision 1 allow[0] api.example.com", r1.added().allow().get(0).name());
    Revision r2 = s.append(List.of(allow("api.example.com", 443), allow("*.cdn.example.com", 443,
        8443)), List.of(deny("evil.example.com")), "bob", "cli", "more\nlines");
    assertEquals(2, r2.number());
    assertEquals("more lines", r2.reason());
    assertEquals(1, r2.added().allow().size(), "a rule in force is not added twice");
    assertEquals("revision 2 allow[0] *.cdn.example.com", r2.added().allow().get(0).name());
    assertEquals("revision 2 deny[0] evil.example.com", r2.added().deny().get(0).name());
    assertEquals("+1 allow, +1 deny", r2.changeSummary());

    PolicyStore fresh = store();
    List<Revision> h = fresh.history();
    assertEquals(List.of(r1, r2), h);
    RuleSet now = fresh.current();
    assertEquals(List.of(allow("api.example.com", 443), allow("*.cdn.example.com", 443, 8443)),
        now.allowRules());
    assertEquals(List.of(deny("evil.example.com")), now.denyRules());
    assertEquals(r1.rules(), fresh.at(1));
    assertEquals("{host: \"*.cdn.example.com\", ports: [443, 8443]}",
        now.allow().get(1).text());
  }

  @Test
  void rollbackIsANewRevisionWithTheOldRules() throws Exception {
    PolicyStore s = store();
    s.append(List.of(allow("a.example.com", 443)), List.of(), "alice", "tui", "one");
    s.append(List.of(allow("b.example.com", 443)), List.of(deny("c.example.com")), "alice",
        "tui", "two");
    Revision r3 = s.rollback(1, "carol");
    assertEquals(3, r3.number());
    assertEquals(OptionalInt.of(1), r3.rollbackTo());
    assertEquals("cli", r3.channel());
    assertEquals("carol", r3.author());
    assertEquals("rollback to revision 1", r3.reason());
    assertEquals(s.at(1), r3.rules());
    assertEquals(List.of(allow("b.example.com", 443)), r3.removed().allowRules());
    assertEquals(List.of(deny("c.example.com")), r3.removed().denyRules());
    assertEquals("-1 allow, -1 deny", r3.changeSummary());
    // back to 2: the restored rules keep their names
    Revision r4 = s.rollback(2, "carol", "tui");
    assertEquals(s.at(2), r4.rules());
    assertEquals("revision 2 allow[0] b.example.com", r4.added().allow().get(0).name());
    Revision r5 = s.rollback(0, "carol");
    assertEquals(RuleSet.EMPTY, r5.rules());
    assertEquals(5, s.history().size());
    assertThrows(IllegalArgumentException.class, () -> s.rollback(9, "carol"));
  }

  @Test
  void revisionFilesAreTheDocumentedJson() throws Exception {
    PolicyStore s = store();
    s.append(List.of(new AllowRule(HostPattern.parse("api.example.com"), List.of(443),
        List.of("GET"), List.of("/v1/**"), List.of("/usr/bin/curl"), true)), List.of(), "alice",
        "tui", "why");
    Path f = dir.resolve("policies/hello/rev-000001.json");
    JsonNode j = new ObjectMapper().readTree(Files.readString(f));
    assertEquals(List.of("format", "revision", "time", "author", "channel", "reason",
        "rollbackTo", "added", "removed", "rules"), fields(j));
    assertEquals(1, j.path("format").asInt());
    assertEquals("2026-11-23T12:00:00Z", j.path("time").asText());
    assertTrue(j.path("rollbackTo").isNull());
    JsonNode rule = j.path("rules").path("allow").get(0);
    assertEquals(List.of("revision", "index", "name", "text", "host", "ports", "methods", "paths",
        "binaries", "inspect"), fields(rule));
    assertEquals("{host: api.example.com, ports: [443], methods: [GET], paths: [\"/v1/**\"],"
        + " binaries: [/usr/bin/curl], inspect: true}", rule.path("text").asText());
  }

  @Test
  void aLeftoverTempFileIsIgnored() throws Exception {
    PolicyStore s = store();
    s.append(List.of(allow("a.example.com", 443)), List.of(), "alice", "tui", "one");
    Files.writeString(dir.resolve("policies/hello/.rev-000002.json.12345.tmp"), "{\"form");
    assertEquals(1, s.history().size());
    assertEquals(2, s.append(List.of(allow("b.example.com", 443)), List.of(), "a", "cli", "two")
        .number());
  }

  @Test
  void aTruncatedRevisionIsAnErrorNamingTheFile() throws Exception {
    PolicyStore s = store();
    s.append(List.of(allow("a.example.com", 443)), List.of(), "alice", "tui", "one");
    s.append(List.of(allow("b.example.com", 443)), List.of(), "alice", "tui", "two");
    Path f = dir.resolve("policies/hello/rev-000002.json");
    String full = Files.readString(f);
    Files.writeString(f, full.substring(0, full.length() / 2));
    for (var call : List.<org.junit.jupiter.api.function.Executable>of(s::history, s::current,
        () -> s.append(List.of(), List.of(), "a", "cli", "x"))) {
      var e = assertThrows(PolicyStore.CorruptStoreException.class, call);
      assertEquals(f, e.file());
      assertTrue(e.getMessage().startsWith(f + ": not valid JSON"), e.getMessage());
    }
    Files.writeString(f, "");
    assertTrue(assertThrows(PolicyStore.CorruptStoreException.class, s::history).getMessage()
        .contains("rev-000002.json: empty file"));
    Files.writeString(f, full.replace("\"host\" : \"b.example.com\"", "\"host\" : \"b c\""));
    assertTrue(assertThrows(PolicyStore.CorruptStoreException.class, s::history).getMessage()
        .contains("not a policy revision: added.allow[0].host: 'b c' is not a valid host"));
  }

  @Test
  void aMissingRevisionIsAnError() throws Exception {
    PolicyStore s = store();
    for (int i = 0; i < 3; i++) {
      s.append(List.of(allow("h" + i + ".example.com", 443)), List.of(), "a", "cli", "x");
    }
    Files.delete(dir.resolve("policies/hello/rev-000002.json"));
    var e = assertThrows(PolicyStore.CorruptStoreException.class, s::current);
    assertTrue(e.getMessage().contains("rev-000002.json: missing"), e.getMessage());
  }

  @Test
  void concurrentAppendersWithSeparateStoresLoseNothing() throws Exception {
    int threads = 4;
    int each = 15;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier go = new CyclicBarrier(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int k = t;
        fs.add(pool.submit(() -> {
          PolicyStore mine = new PolicyStore(dir.resolve("policies/hello"));
          go.await();
          for (int i = 0; i < each; i++) {
            mine.append(List.of(allow("t" + k + "-" + i + ".example.com", 443)), List.of(),
                "t" + k, "api", "concurrent");
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<Revision> h = store().history();
    assertEquals(threads * each, h.size());
    for (int i = 0; i < h.size(); i++) {
      assertEquals(i + 1, h.get(i).number());
    }
    Set<AllowRule> all = new HashSet<>(store().current().allowRules());
    assertEquals(threads * each, all.size());
  }

  @Test
  void storedRevisionsLayerOnTopOfAgentYaml() throws Exception {
    PolicyStore s = store();
    s.append(List.of(allow("api.example.com", 443)), List.of(), "alice", "tui", "one");
    s.append(List.of(allow("*.example.org", 443)), List.of(deny("bad.example.org")), "alice",
        "tui", "two");
    Network yaml = new Network(NetworkMode.PROXY, List.of(), List.of(allow("github.com", 443)),
        List.of(), UnknownAction.ASK, Duration.ofSeconds(60));
    CompiledPolicy p = CompiledPolicy.compile(yaml, s.current());
    assertEquals(4, p.ruleCount());
    PolicyFixture.allows(p, PolicyFixture.tunnel("github.com", 443), "network.allow[0] github.com");
    PolicyFixture.allows(p, PolicyFixture.tunnel("api.example.com", 443),
        "revision 1 allow[0] api.example.com");
    PolicyFixture.allows(p, PolicyFixture.tunnel("x.example.org", 443),
        "revision 2 allow[0] *.example.org");
    Decision d = p.decide(PolicyFixture.tunnel("bad.example.org", 443));
    assertEquals("revision 2 deny[0] bad.example.org", assertInstanceOf(Decision.Deny.class, d)
        .rule());
    assertEquals(List.of("revision 2 allow[0] *.example.org"),
        p.explain(PolicyFixture.tunnel("bad.example.org", 443)).alsoMatching());
    assertInstanceOf(Decision.Unknown.class, CompiledPolicy.compile(yaml)
        .decide(PolicyFixture.tunnel("api.example.com", 443)));
    assertInstanceOf(Decision.Unknown.class, CompiledPolicy.compile(yaml, s.at(0))
        .decide(PolicyFixture.tunnel("api.example.com", 443)));
  }

  @Test
  void thePolicyWriterOfAStoreWritesTheApprovalsRule() throws Exception {
    PolicyStore s = store();
    PolicyWriter w = PolicyWriter.to(s);
    ApprovalRequest r = ApprovalRequest.egress("hello", EgressRequest.tunnel("api.example.com",
        443, Optional.of("/usr/bin/curl")), OptionalLong.empty(), false);
    w.persist(r, true, new Decider("alice", "tui", T0));
    w.persist(r, false, new Decider("bob", "cli", T0));
    List<Revision> h = s.history();
    assertEquals("alice", h.get(0).author());
    assertEquals("always allow api.example.com:443 (asked by /usr/bin/curl): CONNECT"
        + " api.example.com:443", h.get(0).reason());
    assertEquals(List.of(r.rule()), h.get(0).added().allowRules());
    assertEquals("cli", h.get(1).channel());
    assertEquals(List.of(new DenyRule(HostPattern.parse("api.example.com"), List.of(443),
        List.of(), List.of(), List.of())), h.get(1).added().denyRules());
  }

  @Test
  void sandboxNamesAreCheckedBeforeTheyBecomePaths() {
    assertEquals(dir.resolve("policies/hello").toAbsolutePath(),
        PolicyStore.forSandbox(dir, "hello").dir());
    assertThrows(IllegalArgumentException.class, () -> PolicyStore.forSandbox(dir, "../etc"));
  }

  private static List<String> fields(JsonNode j) {
    List<String> out = new ArrayList<>();
    j.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
