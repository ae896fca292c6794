package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.Decider;
import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.Verdict;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Verification;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.inference.InferenceEvent;
import dev.nemoclaw.policy.EgressRequest;
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
    assertTrue(AuditTrail.toAudit(new InboxEvent.New(p)).isEmpty());
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
      trail.started(99, List.of("curl", "https://api.github.com"));
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
  void aLogThatCannotBeOpenedWarnsAndTheRunGoesOn(@TempDir Path home) throws Exception {
    HostDirs dirs = new HostDirs(home.resolve("config"), home.resolve("state"), home.resolve("run"));
    Files.createDirectories(dirs.state().resolve("audit/agent"));
    Files.writeString(dirs.state().resolve("audit/agent/head.json"), "{}");
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    try (AuditTrail trail = AuditTrail.open(dirs, "agent", new PrintStream(messages, true, StandardCharsets.UTF_8))) {
      trail.started(1, List.of("true"));
      assertEquals(new RunReport.Audit("", ""), trail.finish());
    }
    String said = messages.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("cannot write the audit log of agent") && said.contains("still enforced"), said);
  }
}
