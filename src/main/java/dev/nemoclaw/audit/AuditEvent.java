package dev.nemoclaw.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the audit log records: a closed set of events, each shaped after one OCSF class so a SIEM
 * can take them without a mapping of its own (docs/audit.md has the table). Producers (the
 * supervisor, the proxy, the inference gateway) map their own events to these; this package
 * depends on none of them.
 */
public sealed interface AuditEvent {
  Instant time();

  /** The OCSF {@code class_uid}; 0 for the log's own checkpoints, which are not OCSF events. */
  int classUid();

  /** How a policy decision ended; {@code HELD} is a request waiting for an operator. */
  enum Decision { ALLOWED, DENIED, HELD }

  /** A TCP destination decision of the egress proxy (CONNECT or a connection): OCSF 4001. */
  record Network(Instant time, Decision decision, String host, int port, String binary,
      String reason) implements AuditEvent {
    public int classUid() { return 4001; }
  }

  /**
   * An HTTP request decided at L7 (plain HTTP or inspected TLS): OCSF 4002. {@code status} is the
   * response status, empty when none came back (denied, or the origin failed).
   */
  record Http(Instant time, Decision decision, String host, int port, String method, String path,
      String binary, Optional<Integer> status, String reason) implements AuditEvent {
    public int classUid() { return 4002; }
  }

  /**
   * One call through {@code inference.local}: route, tokens, cost. {@code error} is the gateway's
   * error code when it answered the agent itself (budget_exhausted, rate_limited, …), else empty.
   * OCSF 6003 API Activity.
   */
  record Inference(Instant time, String route, String provider, String model, int status,
      long inputTokens, long outputTokens, double usd, String error) implements AuditEvent {
    public int classUid() { return 6003; }
  }

  /**
   * One tool call decided by the tools rules (policy.local's {@code /v1/tools/evaluate}, or an MCP
   * {@code tools/call} crossing the proxy): OCSF 6003 API Activity, activity 99 Tool Call.
   * {@code action} is the deciding rule's ({@code allow}, {@code block}, {@code require-approval},
   * …), {@code allowed} whether the call may run, {@code findings} the privacy detectors' counts
   * on its arguments (never a value), {@code approval} {@code ID VERDICT by USER (CHANNEL)} when
   * an operator was asked.
   */
  record ToolCall(Instant time, String server, String tool, String action, boolean allowed,
      String rule, String reason, String risk, java.util.Map<String, Integer> findings,
      Optional<String> approval, String binary) implements AuditEvent {
    public ToolCall {
      findings = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(findings));
    }

    public int classUid() { return 6003; }
  }

  /**
   * The agent process started: OCSF 1007 Process Activity, activity Launch. {@code
   * policyRevision} is the stored policy revision in force (0: agent.yaml alone).
   */
  record ProcessStart(Instant time, long pid, List<String> command, int policyRevision)
      implements AuditEvent {
    public ProcessStart {
      command = List.copyOf(command);
    }

    public ProcessStart(Instant time, long pid, List<String> command) {
      this(time, pid, command, 0);
    }

    public int classUid() { return 1007; }
  }

  /**
   * The agent process ended, with how and what it used at its peak: OCSF 1007, activity
   * Terminate. {@code signal} is set when a signal killed it; {@code oom} when the OOM killer did.
   */
  record ProcessExit(Instant time, long pid, int exitCode, Optional<Integer> signal, boolean oom,
      long peakMemoryBytes, double cpuSeconds, long peakPids) implements AuditEvent {
    public int classUid() { return 1007; }
  }

  /**
   * An operator's (or the policy's automatic) decision on a held request or an escalation: who
   * decided, through which channel, with what scope. OCSF 3003 Authorize Session.
   */
  record Approval(Instant time, String requestId, String kind, String subject, boolean granted,
      String scope, String operator, String channel) implements AuditEvent {
    public int classUid() { return 3003; }
  }

  /** A new policy revision (approve --always, deny --always, rollback): OCSF 5019. */
  record PolicyChange(Instant time, int revision, String author, String channel, String reason,
      List<String> added, List<String> removed) implements AuditEvent {
    public PolicyChange {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
    }
    public int classUid() { return 5019; }
  }

  /**
   * A privacy detector fired on traffic leaving the sandbox: OCSF 2004 Detection Finding. Never
   * carries the matched text, only which detector, where and what was done about it.
   */
  record PrivacyFinding(Instant time, String detector, String action, String where,
      String destination, int count) implements AuditEvent {
    public int classUid() { return 2004; }
  }

  /**
   * Written by the writer itself every so many records, at rotation and at close: a signed
   * statement of how many records the chain held at that point. Not an OCSF event.
   */
  record Checkpoint(Instant time, long records, String file, String why) implements AuditEvent {
    public int classUid() { return 0; }
  }
}
