package dev.nemoclaw.supervisor;

import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.AuditWriter;
import dev.nemoclaw.audit.Head;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.inference.InferenceEvent;
import dev.nemoclaw.sandbox.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run's feed into its sandbox's audit log: maps the supervisor's events (egress, inference,
 * approvals, the agent's start and end) to {@link AuditEvent}s, which the audit package defines so
 * that it depends on nothing above it. Like the event logs, a log that cannot be written never
 * stops enforcement: the run goes on, says so once, and the report's audit section stays empty.
 */
final class AuditTrail implements AutoCloseable {
  private final Optional<AuditWriter> writer;
  private final PrintStream messages;
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile Optional<RunReport.Audit> finished = Optional.empty();

  private AuditTrail(Optional<AuditWriter> writer, PrintStream messages) {
    this.writer = writer;
    this.messages = messages;
  }

  static AuditTrail open(HostDirs dirs, String name, PrintStream messages) {
    try {
      HostKey key = HostKey.loadOrCreate(dirs.config());
      return new AuditTrail(Optional.of(AuditLog.forSandbox(dirs.state(), name).openWriter(key)),
          messages);
    } catch (IOException | IllegalArgumentException e) {
      messages.println("nemoclaw: cannot write the audit log of " + name + ": " + e.getMessage()
          + "; everything is still enforced, but this run is not in the audit log");
      return new AuditTrail(Optional.empty(), messages);
    }
  }

  void egress(EgressEvent e) {
    toAudit(e).forEach(this::append);
  }

  void inference(InferenceEvent e) {
    toAudit(e).forEach(this::append);
  }

  void inbox(InboxEvent e) {
    toAudit(e).ifPresent(this::append);
  }

  void started(long pid, List<String> command) {
    append(new AuditEvent.ProcessStart(Instant.now(), pid, command));
  }

  void ended(long pid, Outcome o) {
    append(toAudit(pid, o, Instant.now()));
  }

  private void append(AuditEvent e) {
    if (writer.isEmpty() || finished.isPresent()) {
      return;
    }
    try {
      writer.get().append(e);
    } catch (UncheckedIOException | IllegalStateException x) {
      if (warned.compareAndSet(false, true)) {
        messages.println("nemoclaw: the audit log stopped taking events: " + x.getMessage()
            + "; everything is still enforced");
      }
    }
  }

  /**
   * Closes the log (a closing checkpoint, fsync, the signed head) and says where it is and its
   * head hash for the report; events after this are not recorded.
   */
  RunReport.Audit finish() {
    if (finished.isPresent()) {
      return finished.get();
    }
    RunReport.Audit a = new RunReport.Audit("", "");
    if (writer.isPresent()) {
      AuditWriter w = writer.get();
      try {
        w.close();
        Head h = w.head();
        a = new RunReport.Audit(w.currentFile().toString(), h.hash());
      } catch (IOException e) {
        messages.println("nemoclaw: could not close the audit log: " + e.getMessage());
      }
    }
    finished = Optional.of(a);
    return a;
  }

  @Override
  public void close() {
    finish();
  }

  // --- the mapping, pure so it can be tested without a run

  static List<AuditEvent> toAudit(EgressEvent e) {
    String binary = e.peer().exe().orElse("");
    return switch (e) {
      case EgressEvent.Decided d -> {
        AuditEvent.Decision verdict = d.decision() == EgressEvent.Verdict.ALLOW
            ? AuditEvent.Decision.ALLOWED : AuditEvent.Decision.DENIED;
        String reason = d.reason() + (d.rule().isEmpty() ? "" : " [" + d.rule() + "]");
        yield List.of(d.method().isPresent()
            ? new AuditEvent.Http(d.time(), verdict, d.host(), d.port(), d.method().get(),
                d.path().orElse(""), binary, Optional.empty(), reason)
            : new AuditEvent.Network(d.time(), verdict, d.host(), d.port(), binary, reason));
      }
      case EgressEvent.Screened s -> findings(s.time(), s.detectors(),
          switch (s.action()) {
            case AUDITED -> "audit";
            case MASKED -> "mask";
            case BLOCKED -> "block";
            case UNSCANNED -> "unscanned";
          }, "egress", s.host() + ":" + s.port());
      // the end of an exchange or tunnel is traffic accounting, not a decision
      case EgressEvent.Ended end -> List.of();
    };
  }

  static List<AuditEvent> toAudit(InferenceEvent e) {
    return switch (e) {
      case InferenceEvent.Call c -> List.of(new AuditEvent.Inference(c.time(), c.route(),
          c.provider(), c.model(), c.status(), c.promptTokens(), c.completionTokens(),
          c.usd().doubleValue(), c.error().orElse("")));
      case InferenceEvent.Refused r -> List.of(new AuditEvent.Inference(r.time(),
          r.route().orElse(""), "inference.local", "", r.status(), 0, 0, 0, r.code()));
      case InferenceEvent.PrivacyFinding f -> findings(f.time(), f.detectors(), f.action(),
          f.scope().name().toLowerCase(java.util.Locale.ROOT),
          "inference.local" + f.route().map(r -> " (" + r + ")").orElse(""));
      // a route switch inside one call; the call itself is recorded
      case InferenceEvent.Failover f -> List.of();
    };
  }

  static Optional<AuditEvent> toAudit(InboxEvent e) {
    return switch (e) {
      case InboxEvent.Decided d -> Optional.of(approval(d.item(), d.verdict().allows(),
          d.verdict().wire(), d.decider().user(), d.decider().channel(), d.decider().at()));
      case InboxEvent.Expired x -> Optional.of(approval(x.item(), false, "deny",
          x.decider().user(), x.decider().channel(), x.decider().at()));
      // a request being held is not yet a decision; its Network/Http event says HELD-then-what
      case InboxEvent.New n -> Optional.empty();
      case InboxEvent.Updated u -> Optional.empty();
    };
  }

  private static AuditEvent approval(Pending p, boolean granted, String scope, String user,
      String channel, Instant at) {
    return new AuditEvent.Approval(at, p.id(), p.request().kind().wire(), p.request().detail()
        + p.request().binary().map(b -> " from " + b).orElse(""), granted, scope, user, channel);
  }

  static AuditEvent toAudit(long pid, Outcome o, Instant at) {
    var r = o.resources();
    Optional<Integer> signal = o.reason() instanceof Outcome.Reason.Signaled s
        ? Optional.of(s.signal()) : Optional.empty();
    boolean oom = o.reason() instanceof Outcome.Reason.OomKilled || r.oomKills() > 0;
    return new AuditEvent.ProcessExit(at, pid, o.exitCode(), signal, oom,
        r.peakMemoryBytes().orElse(0), r.cpuSeconds().orElse(0), r.peakPids().orElse(0));
  }

  private static List<AuditEvent> findings(Instant t, Map<String, Integer> detectors,
      String action, String where, String destination) {
    List<AuditEvent> out = new ArrayList<>();
    detectors.forEach((d, n) -> out.add(new AuditEvent.PrivacyFinding(t, d, action, where,
        destination, n)));
    return out;
  }
}
