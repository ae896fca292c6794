package dev.nemoclaw.audit;

import dev.nemoclaw.audit.AuditEvent.Decision;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Two runs of an agent with every kind of event: run 1 (10:00:00–10:00:20) is busy and ends
 * well; run 2 (11:00:00–11:00:30) is a hostile agent whose host and path carry markup, killed by
 * the OOM killer.
 */
final class ReportFixture {
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  static final String EVIL_HOST = "<script>alert(1)</script>.evil|x";
  static final String EVIL_PATH = "/a|b<img src=x onerror=alert(1)>";

  private ReportFixture() {}

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static List<AuditEvent> events() {
    List<AuditEvent> e = new ArrayList<>();
    e.add(new AuditEvent.ProcessStart(at(0), 100, List.of("sh", "-c", "agent --work")));
    e.add(new AuditEvent.Network(at(1), Decision.ALLOWED, "api.github.com", 443, "/usr/bin/git",
        "allowed by rule api.github.com"));
    e.add(new AuditEvent.Http(at(2), Decision.ALLOWED, "api.github.com", 443, "GET", "/repos/x",
        "/usr/bin/curl", Optional.of(200), "allowed by rule api.github.com"));
    e.add(new AuditEvent.Http(at(3), Decision.DENIED, "pastebin.com", 80, "POST", "/upload",
        "/usr/bin/curl", Optional.empty(), "a deny rule matches [deny pastebin.com]"));
    e.add(new AuditEvent.Network(at(4), Decision.HELD, "pypi.org", 443, "/usr/bin/pip",
        "no rule matches; asking the operator"));
    e.add(new AuditEvent.Approval(at(5), "req-1", "egress", "pypi.org:443 from /usr/bin/pip", true,
        "session", "alice", "term"));
    e.add(new AuditEvent.Network(at(6), Decision.ALLOWED, "pypi.org", 443, "/usr/bin/pip",
        "approved for the session"));
    e.add(new AuditEvent.PolicyChange(at(7), 2, "alice", "approvals", "approve --always",
        List.of("allow pypi.org:443"), List.of()));
    e.add(new AuditEvent.PrivacyFinding(at(8), "credit-card", "mask", "egress", "example.com:443", 2));
    e.add(new AuditEvent.PrivacyFinding(at(9), "email", "audit", "inference", "inference.local", 1));
    e.add(new AuditEvent.Inference(at(10), "main", "openai", "gpt-4o", 200, 1000, 200, 0.0125, ""));
    e.add(new AuditEvent.Inference(at(11), "main", "openai", "gpt-4o", 200, 500, 100, 0.006, ""));
    e.add(new AuditEvent.Inference(at(12), "backup", "ollama", "llama3", 200, 300, 50, 0, ""));
    e.add(new AuditEvent.Inference(at(13), "main", "inference.local", "", 429, 0, 0, 0,
        "budget_exhausted"));
    e.add(new AuditEvent.Approval(at(14), "req-2", "egress", "evil.test:443", false, "deny", "bob",
        "tui"));
    e.add(new AuditEvent.ProcessExit(at(20), 100, 0, Optional.empty(), false, 256L << 20, 3.5, 12));
    e.add(new AuditEvent.ProcessStart(at(3600), 200, List.of("python3", "evil.py")));
    e.add(new AuditEvent.Http(at(3601), Decision.DENIED, EVIL_HOST, 80, "GET", EVIL_PATH,
        "/usr/bin/curl", Optional.empty(), "no rule matches"));
    e.add(new AuditEvent.Network(at(3602), Decision.DENIED, "pastebin.com", 443, "/usr/bin/curl",
        "a deny rule matches"));
    e.add(new AuditEvent.ProcessExit(at(3630), 200, 137, Optional.of(9), true, 2L << 30, 10.0, 100));
    return e;
  }

  static AuditLog write(Path state) throws IOException {
    return write(state, "agent", events());
  }

  static AuditLog write(Path state, String name, List<AuditEvent> events) throws IOException {
    AuditLog log = AuditLog.forSandbox(state, name);
    try (AuditWriter w = log.openWriter(AuditFixture.KEY)) {
      events.forEach(w::append);
    }
    return log;
  }
}
