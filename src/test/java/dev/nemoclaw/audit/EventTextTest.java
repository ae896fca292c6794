package dev.nemoclaw.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.audit.AuditEvent.Decision;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One human line per stored event class, as `nemoclaw logs` prints it. */
class EventTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T = Instant.parse("2026-11-23T17:01:02.123Z");

  /** The event as the log stores it. */
  static ObjectNode stored(AuditEvent e) throws Exception {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      Ocsf.write(e, g);
    }
    return (ObjectNode) JSON.readTree(w.toString());
  }

  static String line(AuditEvent e) throws Exception {
    return EventText.line(stored(e));
  }

  @Test
  void aDeniedConnection() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  egress denied evil.example:443 from /usr/bin/curl"
            + " — no rule matches",
        line(new AuditEvent.Network(T, Decision.DENIED, "evil.example", 443, "/usr/bin/curl",
            "no rule matches")));
    assertEquals("2026-11-23T17:01:02.123Z  egress held api.x:443 from /usr/bin/python3"
            + " — waiting for an operator",
        line(new AuditEvent.Network(T, Decision.HELD, "api.x", 443, "/usr/bin/python3",
            "waiting for an operator")));
  }

  @Test
  void anHttpDecisionWithAndWithoutAResponse() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  egress allowed GET example.com:80/index.html → 200"
            + " from /usr/bin/curl — rule example.com",
        line(new AuditEvent.Http(T, Decision.ALLOWED, "example.com", 80, "GET", "/index.html",
            "/usr/bin/curl", Optional.of(200), "rule example.com")));
    assertEquals("2026-11-23T17:01:02.123Z  egress denied POST pastebin.com:443/raw"
            + " from /usr/bin/curl — deny rule pastebin.com",
        line(new AuditEvent.Http(T, Decision.DENIED, "pastebin.com", 443, "POST", "/raw",
            "/usr/bin/curl", Optional.empty(), "deny rule pastebin.com")));
  }

  @Test
  void aToolCallIsOcsfApiActivityToolCall() throws Exception {
    AuditEvent.ToolCall t = new AuditEvent.ToolCall(T, "shop", "pay", "pii-scan", true,
        "tools[2] server:shop/tool:pay", "masked", "medium", java.util.Map.of("credit-card", 1),
        Optional.of("a1b2c3 once by alice (cli)"), "/usr/bin/node");
    ObjectNode o = stored(t);
    assertEquals(6003, o.path("class_uid").asInt());
    assertEquals(99, o.path("activity_id").asInt());
    assertEquals("Tool Call", o.path("activity_name").asText());
    assertEquals("pay", o.at("/api/operation").asText());
    assertEquals("shop", o.at("/api/service/name").asText());
    assertEquals("pii-scan", o.at("/unmapped/action").asText());
    assertEquals(1, o.at("/unmapped/findings/credit-card").asInt());
    assertEquals("/usr/bin/node", o.at("/actor/process/file/path").asText());
    assertEquals("2026-11-23T17:01:02.123Z  tool allowed shop/pay (pii-scan, risk medium)"
        + " findings credit-card ×1 approval a1b2c3 once by alice (cli) — masked", line(t));
    assertEquals("2026-11-23T17:01:02.123Z  tool refused local/exec (block, risk high)"
        + " — no rule", line(new AuditEvent.ToolCall(T, "local", "exec", "block", false,
            "tools (no rule matched)", "no rule", "high", java.util.Map.of(), Optional.empty(),
            "")));
  }

  @Test
  void startAndExit() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  start pid 12 python3 ask.py",
        line(new AuditEvent.ProcessStart(T, 12, List.of("python3", "ask.py"))));
    assertEquals("2026-11-23T17:01:02.123Z  exit 0 (pid 12, peak 45.0 MiB, 0.3 s cpu, 3 pids)",
        line(new AuditEvent.ProcessExit(T, 12, 0, Optional.empty(), false, 45L << 20, 0.3, 3)));
    assertEquals("2026-11-23T17:01:02.123Z  exit 137, killed by signal 9, by the OOM killer"
            + " (pid 12, peak 512.0 MiB, 1.5 s cpu, 12 pids)",
        line(new AuditEvent.ProcessExit(T, 12, 137, Optional.of(9), true, 512L << 20, 1.5, 12)));
  }

  @Test
  void approvals() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  approval granted session egress:api.x:443 by alice"
            + " (term) [req-7]",
        line(new AuditEvent.Approval(T, "req-7", "egress", "api.x:443", true, "session", "alice",
            "term")));
    assertEquals("2026-11-23T17:01:02.123Z  approval denied egress:api.x:443 by bob (approvals)"
            + " [req-8]",
        line(new AuditEvent.Approval(T, "req-8", "egress", "api.x:443", false, "once", "bob",
            "approvals")));
  }

  @Test
  void inference() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  inference main nvidia/model 200 120+30 tok $0.0004",
        line(new AuditEvent.Inference(T, "main", "nvidia", "nvidia/model", 200, 120, 30, 0.0004,
            "")));
    assertEquals("2026-11-23T17:01:02.123Z  inference main gpt 429 0+0 tok $0 — rate_limited",
        line(new AuditEvent.Inference(T, "main", "openai", "gpt", 429, 0, 0, 0, "rate_limited")));
    assertTrue(line(new AuditEvent.Inference(T, "r", "p", "m", 200, 1, 1, 2.5, ""))
        .endsWith(" $2.50"));
  }

  @Test
  void policyRevisions() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  policy rev 3 by alice (approvals): +allow pypi.org:443"
            + " -allow old.example:443 — approve --always",
        line(new AuditEvent.PolicyChange(T, 3, "alice", "approvals", "approve --always",
            List.of("allow pypi.org:443"), List.of("allow old.example:443"))));
  }

  @Test
  void privacyFindingsNeverCarryTheMatch() throws Exception {
    assertEquals("2026-11-23T17:01:02.123Z  privacy mask credit-card x1 inference main",
        line(new AuditEvent.PrivacyFinding(T, "credit-card", "mask", "inference", "main", 1)));
  }

  @Test
  void checkpointsAreRecognised() throws Exception {
    ObjectNode cp = stored(new AuditEvent.Checkpoint(T, 41, "audit-000001.jsonl", "close"));
    assertTrue(EventText.isCheckpoint(cp));
    assertEquals("2026-11-23T17:01:02.123Z  checkpoint close (41 records, audit-000001.jsonl)",
        EventText.line(cp));
    assertTrue(!EventText.isCheckpoint(stored(new AuditEvent.ProcessStart(T, 1, List.of("x")))));
  }

  @Test
  void anUnknownClassStillPrints() throws Exception {
    ObjectNode e = JSON.createObjectNode().put("class_uid", 9999).put("class_name", "Future")
        .put("activity_name", "Thing").put("time", T.toEpochMilli());
    assertEquals("2026-11-23T17:01:02.123Z  Future Thing (class 9999)", EventText.line(e));
  }

  @Test
  void controlCharactersFromTheAgentAreEscaped() throws Exception {
    String l = line(new AuditEvent.ProcessStart(T, 5,
        List.of("sh", "-c", "printf '\u001b[2J\rfake\n\u2028x\u009b'")));
    assertEquals("2026-11-23T17:01:02.123Z  start pid 5 sh -c printf"
        + " '\\x1b[2J\\x0dfake\\x0a\\u2028x\\x9b'", l);
  }
}
