package dev.nemoclaw.supervisor;

import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.AuditWriter;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.host.DiskFull;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.inference.InferenceEvent;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.sandbox.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One run's feed into its sandbox's audit log: maps the supervisor's events (egress, inference,
 * approvals, held requests, policy revisions, the agent's start and end) to {@link AuditEvent}s,
 * which the audit package defines so that it depends on nothing above it.
 *
 * <p>Fail closed: a run whose log cannot be opened does not start ({@link Unavailable}); when
 * writing fails later (a full disk), the listener given to {@link #onFailure} hears it once, and
 * the supervisor then denies all egress, since nothing may leave unrecorded.
 */
final class AuditTrail implements AutoCloseable {
  /** The log cannot be opened or created; the message says which and why. */
  static final class Unavailable extends Exception {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final AuditWriter writer;
  private final PrintStream messages;
  private final AtomicBoolean failed = new AtomicBoolean();
  private volatile Consumer<String> onFailure = reason -> {};
  private volatile Optional<RunReport.Audit> finished = Optional.empty();

  private AuditTrail(AuditWriter writer, PrintStream messages) {
    this.writer = writer;
    this.messages = messages;
    writer.onFailure(e -> failed("the audit log stopped taking events: " + e.getMessage()));
  }

  /** A trail over a writer the caller opened (tests give it options). */
  static AuditTrail over(AuditWriter writer, PrintStream messages) {
    return new AuditTrail(writer, messages);
  }

  static AuditTrail open(HostDirs dirs, String name, PrintStream messages) throws Unavailable {
    try {
      HostKey key = HostKey.loadOrCreate(dirs.config());
      return new AuditTrail(AuditLog.forSandbox(dirs.state(), name).openWriter(key), messages);
    } catch (IOException | IllegalArgumentException e) {
      if (DiskFull.is(e)) {
        Path where = e instanceof DiskFull d && d.where().startsWith(dirs.config())
            ? dirs.config() : dirs.state();
        throw new Unavailable("cannot write the audit log of " + name + ": the disk holding "
            + where + " is full (No space left on device); a run whose decisions cannot be"
            + " recorded does not start: free space there and run again", e);
      }
      throw new Unavailable("cannot write the audit log of " + name + ": " + e.getMessage()
          + "; a run whose decisions cannot be recorded does not start (check it with `nemoclaw"
          + " audit verify " + name + "`)", e);
    }
  }

  /**
   * Records a revision made while no run of {@code name} was writing its log ({@code policy
   * rollback} from the CLI). Returns false when a run holds the log: that run records the
   * revision itself when it takes it up.
   */
  static boolean recordOffline(HostDirs dirs, String name, Revision r) throws IOException {
    HostKey key = HostKey.loadOrCreate(dirs.config());
    AuditWriter w;
    try {
      w = AuditLog.forSandbox(dirs.state(), name).openWriter(key);
    } catch (AuditWriter.InUse busy) {
      return false;
    }
    try (w) {
      w.append(toAudit(r));
    }
    return true;
  }

  /** Hears, once, why the log stopped taking events. */
  void onFailure(Consumer<String> listener) {
    onFailure = listener;
  }

  private void failed(String reason) {
    if (failed.compareAndSet(false, true)) {
      messages.println("nemoclaw: " + reason + "; from now on all egress is denied");
      onFailure.accept(reason);
    }
  }

  void egress(EgressEvent e) {
    toAudit(e).forEach(this::append);
  }

  void inference(InferenceEvent e) {
    toAudit(e).forEach(this::append);
  }

  void tool(AuditEvent.ToolCall e) {
    append(e);
  }

  void inbox(InboxEvent e) {
    toAudit(e).ifPresent(this::append);
  }

  void started(long pid, List<String> command, int policyRevision) {
    append(new AuditEvent.ProcessStart(Instant.now(), pid, command, policyRevision));
  }

  void policyChanged(Revision r) {
    append(toAudit(r));
  }

  /** The policy was reloaded from edited files: recorded with their owner and content hashes. */
  void policyEdited(LivePolicy.Edit e) {
    append(new AuditEvent.PolicyChange(Instant.now(), e.revision(), e.owner(), "file",
        "reloaded from edited files: " + String.join(", ", e.files()), List.of(), List.of()));
  }

  void ended(long pid, Outcome o) {
    append(toAudit(pid, o, Instant.now()));
  }

  private void append(AuditEvent e) {
    if (finished.isPresent() || failed.get()) {
      return;
    }
    try {
      writer.append(e);
    } catch (UncheckedIOException | IllegalStateException x) {
      failed("the audit log stopped taking events: " + x.getMessage());
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
    try {
      writer.close();
      a = new RunReport.Audit(writer.currentFile().toString(), writer.head().hash());
    } catch (IOException e) {
      messages.println("nemoclaw: could not close the audit log: " + e.getMessage());
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
      // held egress is recorded as held; its approval (or expiry) follows as an Approval event,
      // as does an escalation's, which is not a destination
      case InboxEvent.New n -> n.item().request().kind() == ApprovalRequest.Kind.EGRESS
          ? Optional.of(held(n.item())) : Optional.empty();
      case InboxEvent.Updated u -> Optional.empty();
    };
  }

  private static AuditEvent held(Pending p) {
    ApprovalRequest r = p.request();
    String binary = r.binary().orElse("");
    String reason = "held for an operator as " + p.id() + " (no rule covers it; network.unknown:"
        + " ask)";
    return r.method().isPresent()
        ? new AuditEvent.Http(p.createdAt(), AuditEvent.Decision.HELD, r.host(), r.port(),
            r.method().get(), r.path().orElse(""), binary, Optional.empty(), reason)
        : new AuditEvent.Network(p.createdAt(), AuditEvent.Decision.HELD, r.host(), r.port(),
            binary, reason);
  }

  static AuditEvent toAudit(Revision r) {
    String reason = r.reason() + r.rollbackTo().stream()
        .mapToObj(n -> " (rollback to revision " + n + ")").findFirst().orElse("");
    return new AuditEvent.PolicyChange(r.time(), r.number(), r.author(), r.channel(), reason,
        texts(r.added()), texts(r.removed()));
  }

  private static List<String> texts(RuleSet rules) {
    List<String> out = new ArrayList<>();
    rules.allow().forEach(a -> out.add("allow " + a.text()));
    rules.deny().forEach(d -> out.add("deny " + d.text()));
    return out;
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
