package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.Decider;
import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.Verdict;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.AuditWriter;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Verification;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.inference.InferenceEvent;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.spec.PrivacyScope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's events become audit records, and a run's trail verifies and names its head. */
class AuditTrailTest {
  static final Instant T = Instant.parse("2026-11-23T10:00:00Z");
  static final Peer CURL = new Peer(Optional.of(42), Optional.of("/usr/bin/curl"));

  @Test
  void aTunnelDecisionIsNetworkActivityAndARequestIsHttp() {
    AuditEvent tunnel = AuditTrail.toAudit(new EgressEvent.Decided(T, CURL, "api.github.com", 443,
        Optional.empty(), Optional.empty(), EgressEvent.Verdict.ALLOW, "github", "allowed")).getFirst();
    AuditEvent.Network n = assertInstanceOf(AuditEvent.Network.class, tunnel);
    assertEquals(AuditEvent.Decision.ALLOWED, n.decision());
    assertEquals("/usr/bin/curl", n.binary());
    assertEquals("allowed [github]", n.reason());
    AuditEvent req = AuditTrail.toAudit(new EgressEvent.Decided(T, CURL, "example.com", 80,
        Optional.of("POST"), Optional.of("/x"), EgressEvent.Verdict.DENY, "", "no rule")).getFirst();
    AuditEvent.Http h = assertInstanceOf(AuditEvent.Http.class, req);
    assertEquals(AuditEvent.Decision.DENIED, h.decision());
    assertEquals("POST", h.method());
    assertEquals("/x", h.path());
    assertEquals(List.of(), AuditTrail.toAudit(new EgressEvent.Ended(T, CURL, "a", 1,
        Optional.empty(), Optional.empty(), "origin_closed", 1, 2, 3)));
  }

  @Test
  void screeningFindingsAreOnePerDetectorWithoutTheText() {
    List<AuditEvent> f = AuditTrail.toAudit(new EgressEvent.Screened(T, CURL, "example.com", 443,
        Optional.of("POST"), Optional.of("/"), Map.of("credit-card", 2, "email", 1),
        EgressEvent.Screening.MASKED, ""));
    assertEquals(2, f.size());
    AuditEvent.PrivacyFinding cc = assertInstanceOf(AuditEvent.PrivacyFinding.class, f.getFirst());
    assertEquals("credit-card", cc.detector());
    assertEquals("mask", cc.action());
    assertEquals(2, cc.count());
    assertEquals("example.com:443", cc.destination());
  }

  @Test
  void inferenceCallsAndRefusalsCarryRouteTokensCostAndCode() {
    AuditEvent.Inference call = assertInstanceOf(AuditEvent.Inference.class, AuditTrail.toAudit(
        new InferenceEvent.Call(T, "/v1/chat/completions", "default", "openai", "gpt-4o-mini", 200,
            120, 30, false, new BigDecimal("0.000021"), false, 300, false, Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty())).getFirst());
    assertEquals(120, call.inputTokens());
    assertEquals(30, call.outputTokens());
    assertEquals(0.000021, call.usd(), 1e-12);
    AuditEvent.Inference refused = assertInstanceOf(AuditEvent.Inference.class, AuditTrail.toAudit(
        new InferenceEvent.Refused(T, "/v1/chat/completions", "budget_exhausted", 429,
            Optional.of("default"), "budget", Optional.empty())).getFirst());
    assertEquals("budget_exhausted", refused.error());
    assertEquals(429, refused.status());
    List<AuditEvent> pf = AuditTrail.toAudit(new InferenceEvent.PrivacyFinding(T, "/v1/chat",
        PrivacyScope.INFERENCE, "block", Map.of("ssn", 1), Optional.of("default")));
    assertEquals("block", assertInstanceOf(AuditEvent.PrivacyFinding.class, pf.getFirst()).action());
  }

  @Test
  void approvalsSayWhoDecidedHowAndWithWhatScope() {
    ApprovalRequest r = ApprovalRequest.egress("agent",
        EgressRequest.tunnel("pypi.org", 443, Optional.of("/usr/bin/pip")), OptionalLong.of(7), false);
    Pending p = new Pending("a1b2c3", r, 1, T, T.plusSeconds(60), Optional.empty());
    AuditEvent.Approval a = assertInstanceOf(AuditEvent.Approval.class, AuditTrail.toAudit(
        new InboxEvent.Decided(p, new Verdict.AllowSession(), new Decider("alice", "tui", T))).orElseThrow());
    assertEquals("a1b2c3", a.requestId());
    assertTrue(a.granted());
    assertEquals("session", a.scope());
    assertEquals("alice", a.operator());
    assertEquals("tui", a.channel());
    assertEquals("egress", a.kind());
    assertTrue(a.subject().contains("pypi.org") && a.subject().endsWith("from /usr/bin/pip"), a.subject());
    AuditEvent.Approval x = assertInstanceOf(AuditEvent.Approval.class, AuditTrail.toAudit(
        new InboxEvent.Expired(p, new Decider(Decider.NEMOCLAW, "timeout", T))).orElseThrow());
    assertEquals(false, x.granted());
    assertEquals("timeout", x.channel());
    AuditEvent.Network held = assertInstanceOf(AuditEvent.Network.class,
        AuditTrail.toAudit(new InboxEvent.New(p)).orElseThrow());
    assertEquals(AuditEvent.Decision.HELD, held.decision());
    assertEquals("pypi.org", held.host());
    assertEquals("/usr/bin/pip", held.binary());
    assertTrue(held.reason().contains("a1b2c3"), held.reason());
  }

  @Test
  void aHeldPlainHttpRequestIsHttpActivity() {
    ApprovalRequest r = ApprovalRequest.egress("agent", new EgressRequest("example.com", 80,
        Optional.of("POST"), Optional.of("/upload"), Optional.empty()), OptionalLong.empty(), false);
    Pending p = new Pending("d4e5f6", r, 1, T, T.plusSeconds(60), Optional.empty());
    AuditEvent.Http h = assertInstanceOf(AuditEvent.Http.class,
        AuditTrail.toAudit(new InboxEvent.New(p)).orElseThrow());
    assertEquals(AuditEvent.Decision.HELD, h.decision());
    assertEquals("POST", h.method());
    assertEquals("/upload", h.path());
  }

  @Test
  void aRevisionIsAPolicyChangeWithItsRules(@TempDir Path dir) throws Exception {
    PolicyStore store = new PolicyStore(dir);
    store.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice", "tui",
        "approval a1");
    Revision back = store.rollback(0, "bob", "cli");
    AuditEvent.PolicyChange c = assertInstanceOf(AuditEvent.PolicyChange.class,
        AuditTrail.toAudit(back));
    assertEquals(2, c.revision());
    assertEquals("bob", c.author());
    assertEquals("cli", c.channel());
    assertTrue(c.reason().contains("rollback to revision 0"), c.reason());
    assertEquals(1, c.removed().size());
    assertTrue(c.removed().getFirst().startsWith("allow ") && c.removed().getFirst().contains("pypi.org"),
        c.removed().toString());
  }

  @Test
  void theEndSaysHowAndTheResourcePeaks() {
    Outcome killed = new Outcome(new Outcome.Reason.Signaled(9), OptionalInt.empty(),
        OptionalInt.empty(), new ResourceUsage(OptionalLong.of(1 << 20), OptionalDouble.of(1.5),
            OptionalLong.of(3), 0), new Limits.Off("test"), Duration.ofSeconds(1));
    AuditEvent.ProcessExit e = assertInstanceOf(AuditEvent.ProcessExit.class, AuditTrail.toAudit(99, killed, T));
    assertEquals(137, e.exitCode());
    assertEquals(Optional.of(9), e.signal());
    assertEquals(1 << 20, e.peakMemoryBytes());
    assertEquals(3, e.peakPids());
  }

  @Test
  void aRunsTrailVerifiesAndTheReportNamesItsHead(@TempDir Path home) throws Exception {
    HostDirs dirs = new HostDirs(home.resolve("config"), home.resolve("state"), home.resolve("run"));
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8);
    RunReport.Audit report;
    try (AuditTrail trail = AuditTrail.open(dirs, "agent", out)) {
      trail.started(99, List.of("curl", "https://api.github.com"), 0);
      trail.egress(new EgressEvent.Decided(T, CURL, "api.github.com", 443, Optional.empty(),
          Optional.empty(), EgressEvent.Verdict.ALLOW, "github", "allowed"));
      report = trail.finish();
      trail.egress(new EgressEvent.Decided(T, CURL, "late.example", 443, Optional.empty(),
          Optional.empty(), EgressEvent.Verdict.DENY, "", "after the report"));
    }
    assertEquals("", messages.toString(StandardCharsets.UTF_8));
    AuditLog log = AuditLog.forSandbox(dirs.state(), "agent");
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class,
        log.verify(HostKey.load(dirs.config())));
    assertEquals(4, ok.records()); // open, start, decision, close
    assertEquals(ok.headHash(), report.headHash());
    assertEquals(log.files().getFirst().toString(), report.file());
    assertTrue(Files.exists(dirs.config().resolve(HostKey.FILE)));
  }

  @Test
  void aLogThatCannotBeOpenedStopsTheRunFromStarting(@TempDir Path home) throws Exception {
    HostDirs dirs = new HostDirs(home.resolve("config"), home.resolve("state"), home.resolve("run"));
    Files.createDirectories(dirs.state().resolve("audit/agent"));
    Files.writeString(dirs.state().resolve("audit/agent/head.json"), "{}");
    AuditTrail.Unavailable e = assertThrows(AuditTrail.Unavailable.class,
        () -> AuditTrail.open(dirs, "agent", System.err));
    assertTrue(e.getMessage().contains("cannot write the audit log of agent")
        && e.getMessage().contains("nemoclaw audit verify agent"), e.getMessage());
  }

  @Test
  void aRevisionMadeWhileNoRunWritesIsRecordedAndOneMadeDuringARunIsLeftToIt(@TempDir Path home)
      throws Exception {
    HostDirs dirs = new HostDirs(home.resolve("config"), home.resolve("state"), home.resolve("run"));
    PolicyStore store = PolicyStore.forSandbox(dirs.state(), "agent");
    Revision r = store.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(),
        "alice", "cli", "test");
    assertTrue(AuditTrail.recordOffline(dirs, "agent", r));
    try (AuditTrail running = AuditTrail.open(dirs, "agent", System.err)) {
      assertEquals(false, AuditTrail.recordOffline(dirs, "agent", store.rollback(0, "bob", "cli")));
    }
    List<Integer> classes = new java.util.ArrayList<>();
    AuditLog.forSandbox(dirs.state(), "agent").events(HostKey.load(dirs.config()),
        e -> classes.add(e.event().path("class_uid").asInt()));
    assertEquals(List.of(0, 5019, 0, 0, 0), classes); // open, change, close; open, close
  }

  @Test
  void whenWritingFailsTheListenerHearsItOnceAndSaysEgressIsDenied(@TempDir Path home)
      throws Exception {
    HostDirs dirs = new HostDirs(home.resolve("config"), home.resolve("state"), home.resolve("run"));
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
    java.time.Clock failing = new java.time.Clock() {
      public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
      public java.time.Clock withZone(java.time.ZoneId z) { return this; }
      public Instant instant() {
        if (broken.get()) {
          throw new IllegalStateException("disk on fire");
        }
        return T;
      }
    };
    AuditWriter w = AuditLog.forSandbox(dirs.state(), "agent").openWriter(
        HostKey.loadOrCreate(dirs.config()),
        new AuditWriter.Options(64L << 20, 1, 1000, failing));
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (AuditTrail trail = AuditTrail.over(w, new PrintStream(messages, true, StandardCharsets.UTF_8))) {
      trail.onFailure(heard::add);
      broken.set(true);
      trail.started(1, List.of("true"), 0); // its periodic checkpoint asks the clock
      long until = System.nanoTime() + 5_000_000_000L;
      while (heard.isEmpty() && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      trail.started(2, List.of("true"), 0);
    }
    assertEquals(1, heard.size(), heard.toString());
    assertTrue(heard.getFirst().contains("disk on fire"), heard.getFirst());
    String said = messages.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("all egress is denied"), said);
  }
}
