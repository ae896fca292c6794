package dev.nemoclaw.audit.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a sandbox's audit log says happened, in the shape an auditor reads it: built by
 * {@link ReportBuilder} from verified records only, rendered by {@link MarkdownReport} and
 * {@link HtmlReport}. Every string in here came from the log, and so possibly from the agent
 * (host names, paths, binaries): renderers escape all of them.
 */
public record ComplianceReport(
    String sandbox,
    Instant generated,
    Scope scope,
    Integrity integrity,
    Optional<Instant> first,
    Optional<Instant> last,
    long events,
    List<Run> runs,
    Decisions decisions,
    List<Denial> denials,
    long denialsTotal,
    List<OperatorTally> operators,
    List<ApprovalRow> approvals,
    List<Revision> revisions,
    List<PrivacyRow> privacy,
    InferenceSummary inference,
    ToolSummary tools,
    Timeline timeline,
    List<String> logNotes) {

  public ComplianceReport {
    runs = List.copyOf(runs);
    denials = List.copyOf(denials);
    operators = List.copyOf(operators);
    approvals = List.copyOf(approvals);
    revisions = List.copyOf(revisions);
    privacy = List.copyOf(privacy);
    logNotes = List.copyOf(logNotes);
  }

  /**
   * What was asked for: a time window ({@code since} inclusive, {@code until} exclusive) and
   * optionally one run (numbered 1, 2, … in the order the log holds them); {@code runsInLog} is
   * how many runs the verified log has in all.
   */
  public record Scope(Optional<Instant> since, Optional<Instant> until, Optional<Integer> run,
      int runsInLog) {
    public boolean everything() {
      return since.isEmpty() && until.isEmpty() && run.isEmpty();
    }
  }

  /** The verdict on the whole log, always over every record whatever the scope. */
  public sealed interface Integrity {
    /** Records that verified (checkpoints included), up to the problem if there is one. */
    long records();

    long files();

    record Intact(long records, long files, String headHash, List<String> notes)
        implements Integrity {
      public Intact {
        notes = List.copyOf(notes);
      }
    }

    /**
     * The log was tampered with at {@code where} (FILE:LINE); the report holds only the records
     * before it.
     */
    record Broken(long records, long files, String kind, String where, long seq, String reason)
        implements Integrity {}
  }

  /**
   * One run of the agent: its ProcessStart and, when recorded, its ProcessExit. A run without an
   * end is still going, or its supervisor died before writing it.
   */
  public record Run(int number, Instant start, long pid, String command, Optional<RunEnd> end) {
    public Optional<Duration> duration() {
      return end.map(e -> Duration.between(start, e.time()));
    }
  }

  public record RunEnd(Instant time, int exitCode, Optional<Integer> signal, boolean oom,
      long peakMemoryBytes, double cpuSeconds, long peakPids) {}

  /**
   * Egress and L7 decisions: totals, and per destination the top ones by number of decisions
   * ({@code destinationsTotal} counts them all, {@code more} the decisions of those not listed).
   */
  public record Decisions(long allowed, long denied, long held, List<Destination> top,
      int destinationsTotal, long more) {
    public Decisions {
      top = List.copyOf(top);
    }

    public long total() {
      return allowed + denied + held;
    }
  }

  public record Destination(String host, int port, long allowed, long denied, long held) {
    public long total() {
      return allowed + denied + held;
    }

    public String name() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  /** A denied decision; {@code method} and {@code path} are empty for a connection (L4) one. */
  public record Denial(Instant time, String host, int port, String method, String path,
      String binary, String reason) {
    public String destination() {
      return new Destination(host, port, 0, 0, 0).name();
    }
  }

  public record OperatorTally(String operator, List<String> channels, long granted, long denied) {
    public OperatorTally {
      channels = List.copyOf(channels);
    }
  }

  public record ApprovalRow(Instant time, String operator, String channel, boolean granted,
      String scope, String kind, String subject, String requestId) {}

  public record Revision(Instant time, int revision, String author, String channel, String reason,
      List<String> added, List<String> removed) {
    public Revision {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
    }
  }

  /** Findings of one detector, with one action, in one place: events and matches counted. */
  public record PrivacyRow(String detector, String action, String where, long events,
      long matches) {}

  /** Tool calls decided by the tools rules (docs/tools.md): how many, and how many refused. */
  public record ToolSummary(long calls, long refused) {}

  public record InferenceSummary(long calls, long inputTokens, long outputTokens, double usd,
      long failed, List<InferenceRow> routes, List<ErrorTally> errors) {
    public InferenceSummary {
      routes = List.copyOf(routes);
      errors = List.copyOf(errors);
    }
  }

  /** Calls of one route and model; {@code failed}: calls that did not end 2xx/3xx. */
  public record InferenceRow(String route, String model, String provider, long calls,
      long inputTokens, long outputTokens, double usd, long failed) {}

  public record ErrorTally(String code, long count) {}

  /** Events over time, in buckets of {@code bucket} from {@code start}, for the chart. */
  public record Timeline(Duration bucket, List<Bucket> buckets) {
    public Timeline {
      buckets = List.copyOf(buckets);
    }
  }

  /** Decisions by outcome and every other event in one time bucket. */
  public record Bucket(Instant start, long allowed, long denied, long held, long other) {
    public long total() {
      return allowed + denied + held + other;
    }
  }
}
