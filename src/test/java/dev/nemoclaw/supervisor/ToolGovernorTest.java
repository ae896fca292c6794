package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.approval.Decider;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.approval.Verdict;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.policy.ToolPolicy;
import dev.nemoclaw.spec.Defaults;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.ToolAction;
import dev.nemoclaw.spec.ToolRule;
import dev.nemoclaw.spec.Values;
import dev.nemoclaw.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stateful half: rate windows on a manual clock, pii-scan, approvals, redaction, audit. */
class ToolGovernorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CARD = "4111 1111 1111 1111";

  final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  final List<AuditEvent.ToolCall> audited = new ArrayList<>();
  Inbox inbox = new Inbox(Duration.ofSeconds(30), false, PolicyWriter.none());
  Privacy privacy = Defaults.PRIVACY_OFF;

  @AfterEach
  void close() {
    inbox.close();
  }

  ToolGovernor governor(String yamlRules) {
    List<ToolRule> rules = new ArrayList<>();
    for (String line : yamlRules.strip().split("\n")) {
      String[] p = line.strip().split(" ");
      ToolAction a = java.util.Arrays.stream(ToolAction.values())
          .filter(x -> x.yaml().equals(p[1])).findFirst().orElseThrow();
      rules.add(new ToolRule(Values.parseToolMatch(p[0]), a, a == ToolAction.RATE_LIMIT
          ? Optional.of(new RateLimit(2, Duration.ofMinutes(1))) : Optional.empty()));
    }
    ToolPolicy policy = ToolPolicy.compile(rules, List.of(),
        new AgentScope("bot", Optional.empty(), Optional.empty()));
    return new ToolGovernor("bot", () -> policy, () -> privacy, inbox, clock, audited::add);
  }

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  static ToolOutcome now(ToolGovernor g, String server, String tool, JsonNode args) {
    CompletableFuture<ToolOutcome> f = g.evaluate(server, tool, args, Optional.of("/usr/bin/node"))
        .toCompletableFuture();
    assertTrue(f.isDone(), "decided at once");
    return f.join();
  }

  @Test
  void allowAndBlockAreAuditedWithTheirRule() throws Exception {
    ToolGovernor g = governor("tool:read_* allow\ntool:* block");
    ToolOutcome ok = now(g, "fs", "read_file", json("{\"path\":\"/a\"}"));
    assertTrue(ok.allowed());
    assertEquals("tools[0] tool:read_*", ok.rule());
    ToolOutcome no = now(g, "fs", "exec", json("{}"));
    assertFalse(no.allowed());
    assertEquals(ToolAction.BLOCK, no.action());
    assertEquals(2, audited.size());
    AuditEvent.ToolCall a = audited.get(1);
    assertEquals("fs", a.server());
    assertEquals("exec", a.tool());
    assertEquals("block", a.action());
    assertFalse(a.allowed());
    assertEquals("high", a.risk());
    assertEquals("/usr/bin/node", a.binary());
    assertTrue(g.listed("fs", "read_file"));
    assertFalse(g.listed("fs", "exec"), "a blocked tool is not listed");
  }

  @Test
  void rateLimitSlidingWindowPerRuleServerAndTool() throws Exception {
    ToolGovernor g = governor("tool:search rate-limit");
    assertTrue(now(g, "web", "search", json("{}")).allowed());
    clock.advance(Duration.ofSeconds(20));
    assertTrue(now(g, "web", "search", json("{}")).allowed());
    assertTrue(now(g, "other", "search", json("{}")).allowed(), "its own window");
    ToolOutcome third = now(g, "web", "search", json("{}"));
    assertFalse(third.allowed());
    assertEquals(OptionalLong.of(40), third.retryAfterSeconds());
    assertTrue(third.reason().contains("retry in 40s"), third.reason());
    clock.advance(Duration.ofSeconds(40));
    assertTrue(now(g, "web", "search", json("{}")).allowed(), "the first call left the window");
    assertFalse(now(g, "web", "search", json("{}")).allowed());
    clock.advance(Duration.ofSeconds(20));
    assertTrue(now(g, "web", "search", json("{}")).allowed());
  }

  @Test
  void piiScanMasksTheArgumentsWithTheRunsDetectors() throws Exception {
    ToolGovernor g = governor("tool:pay pii-scan");
    ToolOutcome o = now(g, "shop", "pay", json("{\"card\":\"" + CARD + "\",\"n\":2}"));
    assertTrue(o.allowed());
    assertEquals(Map.of("credit-card", 1), o.findings());
    assertEquals("{\"card\":\"[REDACTED:credit-card]\",\"n\":2}",
        o.arguments().orElseThrow().toString());
    assertEquals(Map.of("credit-card", 1), audited.getFirst().findings());
    ToolOutcome clean = now(g, "shop", "pay", json("{\"n\":2}"));
    assertTrue(clean.allowed());
    assertEquals(Optional.empty(), clean.arguments());
  }

  @Test
  void piiScanBlocksOrAuditsAsPrivacyActionSays() throws Exception {
    privacy = new Privacy(Defaults.DETECTORS, PrivacyAction.BLOCK, List.of(PrivacyScope.INFERENCE));
    ToolGovernor g = governor("tool:pay pii-scan");
    ToolOutcome o = now(g, "shop", "pay", json("{\"card\":\"" + CARD + "\"}"));
    assertFalse(o.allowed(), "scanned even though privacy.scope does not list egress");
    assertTrue(o.reason().contains("credit-card ×1"), o.reason());
    privacy = new Privacy(Defaults.DETECTORS, PrivacyAction.AUDIT, List.of());
    ToolOutcome a = now(g, "shop", "pay", json("{\"card\":\"" + CARD + "\"}"));
    assertTrue(a.allowed());
    assertEquals(Map.of("credit-card", 1), a.findings());
    assertEquals(Optional.empty(), a.arguments());
  }

  @Test
  void redactOutputMasksTheResultWhateverThePrivacyAction() throws Exception {
    privacy = new Privacy(Defaults.DETECTORS, PrivacyAction.AUDIT, List.of());
    ToolGovernor g = governor("tool:lookup redact-output\ntool:* allow");
    ToolOutcome o = now(g, "crm", "lookup", json("{\"q\":\"bob\"}"));
    assertTrue(o.allowed());
    assertTrue(o.redactOutput());
    ToolOutcome.Redacted r = g.redact(o.callId(), json("{\"email\":\"bob@example.com\","
        + "\"card\":\"" + CARD + "\"}"));
    assertTrue(r.redacted());
    assertEquals("{\"email\":\"[REDACTED:email]\",\"card\":\"[REDACTED:credit-card]\"}",
        r.result().toString());
    assertEquals(Map.of("email", 1, "credit-card", 1), r.findings());
    ToolOutcome other = now(g, "crm", "list", json("{}"));
    ToolOutcome.Redacted plain = g.redact(other.callId(), json("{\"email\":\"a@b.example\"}"));
    assertFalse(plain.redacted());
    assertEquals("{\"email\":\"a@b.example\"}", plain.result().toString());
    assertThrows(IllegalArgumentException.class, () -> g.redact("cnope", json("1")));
    assertTrue(g.redact("crm", "lookup", json("\"bob@example.com\"")).redacted());
  }

  @Test
  void requireApprovalWaitsForTheOperatorAndShowsMaskedArguments() throws Exception {
    ToolGovernor g = governor("tool:exec require-approval");
    CompletableFuture<ToolOutcome> f = g.evaluate("openclaw", "exec",
        json("{\"cmd\":\"echo " + CARD + "\"}"), Optional.empty()).toCompletableFuture();
    assertFalse(f.isDone());
    Pending p = inbox.pending().getFirst();
    assertEquals("tool", p.request().kind().wire());
    assertTrue(p.request().detail().startsWith("tool openclaw/exec {\"cmd\":\"echo"
        + " [REDACTED:credit-card]\"} (call c"), p.request().detail());
    assertFalse(p.request().detail().contains("4111"));
    CompletableFuture<ToolOutcome> second = g.evaluate("openclaw", "exec",
        json("{\"cmd\":\"rm -rf /\"}"), Optional.empty()).toCompletableFuture();
    assertEquals(2, inbox.pending().size(), "each call is its own item");
    inbox.decide(p.id(), new Verdict.AllowOnce(), new Decider("alice", "cli", Instant.now()));
    ToolOutcome o = f.get(5, TimeUnit.SECONDS);
    assertTrue(o.allowed());
    assertEquals(new ToolOutcome.Approval(p.id(), "once", "alice", "cli"),
        o.approval().orElseThrow());
    assertFalse(second.isDone(), "deciding one call does not decide another");
    inbox.decide(inbox.pending().getFirst().id(), new Verdict.Deny(),
        new Decider("alice", "cli", Instant.now()));
    ToolOutcome denied = second.get(5, TimeUnit.SECONDS);
    assertFalse(denied.allowed());
    assertTrue(denied.reason().contains("was denied (deny) by alice (cli)"), denied.reason());
    assertEquals(Optional.of(p.id() + " once by alice (cli)"), audited.getFirst().approval());
  }

  @Test
  void aSessionGrantCoversLaterCallsOfTheSameTool() throws Exception {
    ToolGovernor g = governor("tool:exec require-approval");
    CompletableFuture<ToolOutcome> f = g.evaluate("openclaw", "exec", json("{}"),
        Optional.of("/usr/bin/node")).toCompletableFuture();
    inbox.decide(inbox.pending().getFirst().id(), new Verdict.AllowSession(),
        new Decider("alice", "cli", Instant.now()));
    assertTrue(f.get(5, TimeUnit.SECONDS).allowed());
    assertTrue(now(g, "openclaw", "exec", json("{\"x\":1}")).allowed());
    CompletableFuture<ToolOutcome> other = g.evaluate("other", "exec", json("{}"),
        Optional.of("/usr/bin/node")).toCompletableFuture();
    assertFalse(other.isDone(), "another server's exec is asked again");
  }

  @Test
  void inCiModeRequireApprovalIsDeniedAtOnce() throws Exception {
    inbox.close();
    inbox = new Inbox(Duration.ofSeconds(30), true, PolicyWriter.none());
    ToolOutcome o = now(governor("tool:exec require-approval"), "x", "exec", json("{}"));
    assertFalse(o.allowed());
    assertEquals("ci", o.approval().orElseThrow().channel());
    assertTrue(o.reason().contains("--ci"), o.reason());
  }

  @Test
  void noDecisionWithinTheApprovalTimeoutRefusesTheCall() throws Exception {
    inbox.close();
    List<Runnable> timers = new ArrayList<>();
    inbox = new Inbox(Duration.ofSeconds(30), false, PolicyWriter.none(), clock, (d, task) -> {
      timers.add(task);
      return () -> { };
    });
    CompletableFuture<ToolOutcome> f = governor("tool:exec require-approval").evaluate("x",
        "exec", json("{}"), Optional.empty()).toCompletableFuture();
    assertFalse(f.isDone());
    timers.getFirst().run();
    ToolOutcome o = f.get(5, TimeUnit.SECONDS);
    assertFalse(o.allowed());
    assertEquals("timeout", o.approval().orElseThrow().channel());
    assertTrue(o.reason().startsWith("No decision on x/exec within 30s"), o.reason());
  }

  @Test
  void theHttpApiAnswersOnlyTheProxyAndSaysWhatIsWrong() throws Exception {
    try (Escalations e = new Escalations("t", inbox, Optional::empty,
        new dev.nemoclaw.sandbox.SandboxPlan.Resources(1 << 30, java.util.OptionalDouble.empty(),
            64, Optional.empty()), new EscalatedEgress())) {
      e.tools(governor("tool:read allow"));
      var s = e.service();
      String token = s.headers().get("X-Nemoclaw-Token");
      assertEquals(403, post(s, "/v1/tools/evaluate", "{\"tool\":\"read\"}", "guess")
          .statusCode());
      var ok = post(s, "/v1/tools/evaluate", "{\"tool\":\"read\"}", token);
      assertEquals(200, ok.statusCode(), ok.body());
      JsonNode j = JSON.readTree(ok.body());
      assertTrue(j.path("allowed").asBoolean());
      assertEquals("local", audited.getFirst().server());
      var missing = post(s, "/v1/tools/evaluate", "{\"server\":\"x\"}", token);
      assertEquals(400, missing.statusCode());
      assertTrue(missing.body().contains("tool is required"), missing.body());
      var badName = post(s, "/v1/tools/evaluate", "{\"tool\":\"a/b\"}", token);
      assertEquals(400, badName.statusCode());
      var unknown = post(s, "/v1/tools/result", "{\"callId\":\"cnope\",\"result\":1}", token);
      assertEquals(404, unknown.statusCode());
      assertTrue(unknown.body().contains("unknown_call"), unknown.body());
      var result = post(s, "/v1/tools/result", "{\"callId\":\"" + j.path("callId").asText()
          + "\",\"result\":{\"a\":1}}", token);
      assertEquals("{\"result\":{\"a\":1},\"redacted\":false,\"findings\":[]}",
          result.body());
      assertEquals(404, post(s, "/v1/tools/other", "{}", token).statusCode());
    }
  }

  static java.net.http.HttpResponse<String> post(dev.nemoclaw.egress.InternalService s,
      String path, String body, String token) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + s.target().getPort() + path))
        .header("X-Nemoclaw-Token", token)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }
}
