package dev.nemoclaw.audit;

import dev.nemoclaw.audit.AuditEvent.Decision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Events of every kind, and line-level surgery on log files for the tampering tests. */
final class AuditFixture {
  static final HostKey KEY = HostKey.of(bytes(1));
  static final HostKey OTHER_KEY = HostKey.of(bytes(2));

  private AuditFixture() {}

  static byte[] bytes(int fill) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  /** The i-th of a rotating set covering every event type. */
  static AuditEvent event(int i) {
    Instant t = Instant.parse("2026-11-23T10:00:00Z").plusMillis(i);
    return switch (i % 8) {
      case 0 -> new AuditEvent.Network(t, Decision.ALLOWED, "api.github.com", 443, "/usr/bin/curl", "rule allow-github");
      case 1 -> new AuditEvent.Http(t, Decision.DENIED, "example.com", 80, "POST", "/upload/" + i,
          "/usr/bin/python3", Optional.empty(), "no rule matches");
      case 2 -> new AuditEvent.Inference(t, "default", "openai", "gpt-4o-mini", 200, 120, 30, 0.000021, "");
      case 3 -> new AuditEvent.ProcessStart(t, 4242, List.of("bash", "-c", "echo \"hi\" | tr a b"));
      case 4 -> new AuditEvent.ProcessExit(t, 4242, 137, Optional.of(9), true, 512L << 20, 1.5, 12);
      case 5 -> new AuditEvent.Approval(t, "req-" + i, "egress", "pypi.org:443", true, "session", "alice", "term");
      case 6 -> new AuditEvent.PolicyChange(t, 3, "alice", "approvals", "approve --always",
          List.of("pypi.org:443"), List.of());
      default -> new AuditEvent.PrivacyFinding(t, "credit-card", "mask", "egress", "example.com", 2);
    };
  }

  static AuditLog write(Path state, String name, int events, AuditWriter.Options o) throws IOException {
    AuditLog log = AuditLog.forSandbox(state, name);
    try (AuditWriter w = log.openWriter(KEY, o)) {
      for (int i = 0; i < events; i++) {
        w.append(event(i));
      }
    }
    return log;
  }

  static List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  static void writeLines(Path file, List<String> lines) throws IOException {
    StringBuilder s = new StringBuilder();
    lines.forEach(l -> s.append(l).append('\n'));
    Files.writeString(file, s, StandardCharsets.UTF_8);
  }
}
