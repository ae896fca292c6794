package dev.nemoclaw.audit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Problem;
import dev.nemoclaw.audit.Verification;
import dev.nemoclaw.audit.report.ComplianceReport.ApprovalRow;
import dev.nemoclaw.audit.report.ComplianceReport.Bucket;
import dev.nemoclaw.audit.report.ComplianceReport.Decisions;
import dev.nemoclaw.audit.report.ComplianceReport.Denial;
import dev.nemoclaw.audit.report.ComplianceReport.Destination;
import dev.nemoclaw.audit.report.ComplianceReport.ErrorTally;
import dev.nemoclaw.audit.report.ComplianceReport.InferenceRow;
import dev.nemoclaw.audit.report.ComplianceReport.InferenceSummary;
import dev.nemoclaw.audit.report.ComplianceReport.Integrity;
import dev.nemoclaw.audit.report.ComplianceReport.OperatorTally;
import dev.nemoclaw.audit.report.ComplianceReport.PrivacyRow;
import dev.nemoclaw.audit.report.ComplianceReport.Revision;
import dev.nemoclaw.audit.report.ComplianceReport.Run;
import dev.nemoclaw.audit.report.ComplianceReport.RunEnd;
import dev.nemoclaw.audit.report.ComplianceReport.Scope;
import dev.nemoclaw.audit.report.ComplianceReport.Timeline;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a log through {@link AuditLog#events} (so only records that verified are counted, and the
 * verdict on the whole log comes with them) and tallies what the report shows, in one streaming
 * pass: memory grows with distinct destinations, runs and listed denials, not with the log.
 */
public final class ReportBuilder {
  private final ReportQuery query;
  private final List<RunState> runs = new ArrayList<>();
  private final List<String> logNotes = new ArrayList<>();
  private int currentRun;
  private boolean inRun;
  private Tally tally;

  private ReportBuilder(ReportQuery query) {
    this.query = query;
    this.tally = new Tally(query.maxDenials());
  }

  /** Verifies {@code log} under {@code key} and builds its report; {@code now} dates it. */
  public static ComplianceReport build(AuditLog log, HostKey key, ReportQuery query, Instant now)
      throws IOException {
    ReportBuilder b = new ReportBuilder(query);
    Verification v = log.events(key, e -> b.accept(e.event()));
    return b.finish(log.name(), v, now);
  }

  private void accept(ObjectNode e) {
    int cls = e.path("class_uid").asInt(-1);
    Instant t = Instant.ofEpochMilli(e.path("time").asLong());
    if (cls == 0) {
      checkpoint(e, t);
      return;
    }
    if (cls == 1007 && e.path("activity_id").asInt() == 1) {
      if (query.runs() instanceof ReportQuery.Runs.Last) {
        tally = new Tally(query.maxDenials());
      }
      currentRun = runs.size() + 1;
      inRun = true;
      runs.add(new RunState(currentRun, t, e.path("process").path("pid").asLong(),
          e.path("process").path("cmd_line").asText("")));
    }
    boolean inScope = query.inWindow(t) && switch (query.runs()) {
      case ReportQuery.Runs.All a -> true;
      case ReportQuery.Runs.One one -> inRun && currentRun == one.number();
      case ReportQuery.Runs.Last l -> inRun;
    };
    if (cls == 1007 && e.path("activity_id").asInt() == 2) {
      if (inRun) {
        runs.get(currentRun - 1).end = Optional.of(runEnd(e, t));
      }
      inRun = false;
    }
    if (inScope) {
      tally.add(cls, e, t);
    }
  }

  private void checkpoint(ObjectNode e, Instant t) {
    String why = e.path("why").asText("");
    if (!why.equals("open") && !why.equals("periodic") && !why.equals("rotate")
        && !why.equals("close")) {
      logNotes.add(t + ": " + why);
    }
  }

  private static RunEnd runEnd(ObjectNode e, Instant t) {
    JsonNode u = e.path("unmapped");
    return new RunEnd(t, e.path("exit_code").asInt(),
        u.has("signal") ? Optional.of(u.get("signal").asInt()) : Optional.empty(),
        u.path("oom").asBoolean(), u.path("peak_memory_bytes").asLong(),
        u.path("cpu_seconds").asDouble(), u.path("peak_pids").asLong());
  }

  private ComplianceReport finish(String sandbox, Verification v, Instant now) {
    Integrity integrity = switch (v) {
      case Verification.Intact ok -> new Integrity.Intact(ok.records(), ok.files().size(),
          ok.headHash(), ok.notes());
      case Verification.Broken bad -> {
        Problem p = bad.problem();
        yield new Integrity.Broken(bad.records(), bad.files().size(),
            p.kind().name().toLowerCase(Locale.ROOT),
            p.file() + (p.line() > 0 ? ":" + p.line() : ""), p.seq(), p.reason());
      }
    };
    Optional<Integer> onlyRun = switch (query.runs()) {
      case ReportQuery.Runs.All a -> Optional.empty();
      case ReportQuery.Runs.One one -> Optional.of(one.number());
      case ReportQuery.Runs.Last l -> runs.isEmpty() ? Optional.of(0) : Optional.of(runs.size());
    };
    List<Run> listed = new ArrayList<>();
    for (RunState r : runs) {
      boolean in = onlyRun.map(n -> n == r.number).orElseGet(() -> overlaps(r));
      if (in) {
        listed.add(new Run(r.number, r.start, r.pid, r.command, r.end));
      }
    }
    Scope scope = new Scope(query.since(), query.until(), onlyRun, runs.size());
    return tally.report(sandbox, now, scope, integrity, listed, logNotes, query);
  }

  private boolean overlaps(RunState r) {
    boolean startsBeforeUntil = query.until().map(u -> r.start.isBefore(u)).orElse(true);
    boolean endsAfterSince = query.since()
        .map(s -> r.end.map(e -> !e.time().isBefore(s)).orElse(true)).orElse(true);
    return startsBeforeUntil && endsAfterSince;
  }

  private static final class RunState {
    final int number;
    final Instant start;
    final long pid;
    final String command;
    Optional<RunEnd> end = Optional.empty();

    RunState(int number, Instant start, long pid, String command) {
      this.number = number;
      this.start = start;
      this.pid = pid;
      this.command = command;
    }
  }

  private record DestKey(String host, int port) {}

  private record PrivacyKey(String detector, String action, String where) {}

  private record RouteKey(String route, String model, String provider) {}

  private static final class RouteTally {
    long calls;
    long in;
    long out;
    double usd;
    long failed;
  }

  private static final class OperatorState {
    final TreeSet<String> channels = new TreeSet<>();
    long granted;
    long denied;
  }

  /** Everything counted over the events in scope. */
  private static final class Tally {
    final int maxDenials;
    Instant first;
    Instant last;
    long events;
    long allowed;
    long denied;
    long held;
    final Map<DestKey, long[]> destinations = new HashMap<>();
    final List<Denial> denials = new ArrayList<>();
    long denialsTotal;
    final List<ApprovalRow> approvals = new ArrayList<>();
    final Map<String, OperatorState> operators = new TreeMap<>();
    final List<Revision> revisions = new ArrayList<>();
    final Map<PrivacyKey, long[]> privacy = new HashMap<>();
    long calls;
    long inTokens;
    long outTokens;
    double usd;
    long failed;
    long toolCalls;
    long toolsRefused;
    final Map<RouteKey, RouteTally> routes = new HashMap<>();
    final Map<String, Long> errors = new TreeMap<>();
    final Histogram histogram = new Histogram();

    Tally(int maxDenials) {
      this.maxDenials = maxDenials;
    }

    void add(int cls, ObjectNode e, Instant t) {
      events++;
      if (first == null || t.isBefore(first)) {
        first = t;
      }
      if (last == null || t.isAfter(last)) {
        last = t;
      }
      int decision = -1;
      switch (cls) {
        case 4001, 4002 -> decision = decision(e, t);
        case 6003 -> {
          if ("Tool Call".equals(e.path("activity_name").asText())) {
            toolCalls++;
            toolsRefused += e.path("unmapped").path("allowed").asBoolean(true) ? 0 : 1;
          } else {
            inference(e);
          }
        }
        case 3003 -> approval(e, t);
        case 5019 -> revision(e, t);
        case 2004 -> privacy(e);
        default -> { }
      }
      histogram.add(t, decision < 0 ? 3 : decision);
    }

    /** 0 allowed, 1 denied, 2 held. */
    private int decision(ObjectNode e, Instant t) {
      String action = e.path("action").asText("");
      int d = switch (action) {
        case "Allowed" -> 0;
        case "Denied" -> 1;
        default -> 2;
      };
      String host = e.path("dst_endpoint").path("hostname").asText("");
      int port = e.path("dst_endpoint").path("port").asInt();
      destinations.computeIfAbsent(new DestKey(host, port), k -> new long[3])[d]++;
      switch (d) {
        case 0 -> allowed++;
        case 1 -> {
          denied++;
          denialsTotal++;
          if (denials.size() < maxDenials) {
            JsonNode req = e.path("http_request");
            denials.add(new Denial(t, host, port, req.path("http_method").asText(""),
                req.path("url").path("path").asText(""),
                e.path("actor").path("process").path("file").path("path").asText(""),
                e.path("status_detail").asText("")));
          }
        }
        default -> held++;
      }
      return d;
    }

    private void inference(ObjectNode e) {
      JsonNode u = e.path("unmapped");
      int status = e.path("api").path("response").path("code").asInt();
      String error = u.path("error").asText("");
      boolean ok = status >= 200 && status < 400 && error.isEmpty();
      long in = u.path("input_tokens").asLong();
      long out = u.path("output_tokens").asLong();
      double cost = u.path("usd").asDouble();
      calls++;
      inTokens += in;
      outTokens += out;
      usd += cost;
      RouteTally r = routes.computeIfAbsent(new RouteKey(u.path("route").asText(""),
          u.path("model").asText(""), e.path("api").path("service").path("name").asText("")),
          k -> new RouteTally());
      r.calls++;
      r.in += in;
      r.out += out;
      r.usd += cost;
      if (!ok) {
        failed++;
        r.failed++;
        errors.merge(error.isEmpty() ? "http " + status : error, 1L, Long::sum);
      }
    }

    private void approval(ObjectNode e, Instant t) {
      JsonNode u = e.path("unmapped");
      boolean granted = e.path("status_id").asInt() == 1;
      String operator = e.path("actor").path("user").path("name").asText("");
      String channel = u.path("channel").asText("");
      approvals.add(new ApprovalRow(t, operator, channel, granted, u.path("scope").asText(""),
          u.path("kind").asText(""), u.path("subject").asText(""),
          u.path("request_id").asText("")));
      OperatorState o = operators.computeIfAbsent(operator, k -> new OperatorState());
      if (!channel.isEmpty()) {
        o.channels.add(channel);
      }
      if (granted) {
        o.granted++;
      } else {
        o.denied++;
      }
    }

    private void revision(ObjectNode e, Instant t) {
      JsonNode u = e.path("unmapped");
      revisions.add(new Revision(t, u.path("revision").asInt(),
          e.path("actor").path("user").path("name").asText(""), u.path("channel").asText(""),
          u.path("reason").asText(""), strings(u.path("added")), strings(u.path("removed"))));
    }

    private void privacy(ObjectNode e) {
      JsonNode u = e.path("unmapped");
      long[] c = privacy.computeIfAbsent(new PrivacyKey(
          e.path("finding_info").path("title").asText(""), u.path("action").asText(""),
          u.path("where").asText("")), k -> new long[2]);
      c[0]++;
      c[1] += Math.max(1, u.path("count").asLong(1));
    }

    private static List<String> strings(JsonNode a) {
      List<String> out = new ArrayList<>();
      a.forEach(n -> out.add(n.asText()));
      return out;
    }

    ComplianceReport report(String sandbox, Instant now, Scope scope, Integrity integrity,
        List<Run> runs, List<String> logNotes, ReportQuery q) {
      List<Destination> dests = new ArrayList<>();
      destinations.forEach((k, c) -> dests.add(new Destination(k.host(), k.port(), c[0], c[1], c[2])));
      dests.sort(Comparator.comparingLong(Destination::total).reversed()
          .thenComparing(Comparator.comparingLong(Destination::denied).reversed())
          .thenComparing(Destination::name));
      List<Destination> top = dests.subList(0, Math.min(q.top(), dests.size()));
      long more = dests.stream().skip(top.size()).mapToLong(Destination::total).sum();
      Decisions decisions = new Decisions(allowed, denied, held, top, dests.size(), more);

      List<OperatorTally> ops = new ArrayList<>();
      operators.forEach((name, o) -> ops.add(new OperatorTally(name, List.copyOf(o.channels),
          o.granted, o.denied)));

      List<PrivacyRow> priv = new ArrayList<>();
      privacy.forEach((k, c) -> priv.add(new PrivacyRow(k.detector(), k.action(), k.where(),
          c[0], c[1])));
      priv.sort(Comparator.comparingLong(PrivacyRow::matches).reversed()
          .thenComparing(PrivacyRow::detector).thenComparing(PrivacyRow::action)
          .thenComparing(PrivacyRow::where));

      List<InferenceRow> rows = new ArrayList<>();
      routes.forEach((k, r) -> rows.add(new InferenceRow(k.route(), k.model(), k.provider(),
          r.calls, r.in, r.out, r.usd, r.failed)));
      rows.sort(Comparator.comparingDouble(InferenceRow::usd).reversed()
          .thenComparing(Comparator.comparingLong(InferenceRow::calls).reversed())
          .thenComparing(InferenceRow::route).thenComparing(InferenceRow::model));
      List<ErrorTally> errs = new ArrayList<>();
      errors.forEach((code, n) -> errs.add(new ErrorTally(code, n)));
      errs.sort(Comparator.comparingLong(ErrorTally::count).reversed());

      return new ComplianceReport(sandbox, now, scope, integrity, Optional.ofNullable(first),
          Optional.ofNullable(last), events, runs, decisions, denials, denialsTotal, ops,
          approvals, revisions, priv, new InferenceSummary(calls, inTokens, outTokens, usd, failed,
              rows, errs), new ComplianceReport.ToolSummary(toolCalls, toolsRefused),
          histogram.timeline(), logNotes);
    }
  }

  /**
   * Counts per time slot, at the finest granularity that keeps the map small (100 ms for a short
   * run, coarsening to seconds, minutes, hours, days as the log's span grows); the chart's bucket
   * is picked from those counts at the end.
   */
  static final class Histogram {
    private static final long[] GRAINS = {100, 1_000, 60_000, 3_600_000, 86_400_000};
    private static final long[] BUCKETS = {100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000,
        30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
        10_800_000, 21_600_000, 43_200_000, 86_400_000, 7 * 86_400_000L, 30 * 86_400_000L};
    static final int MAX_BUCKETS = 60;
    private static final int MAX_SLOTS = 20_000;
    private int grain;
    private TreeMap<Long, long[]> slots = new TreeMap<>();

    void add(Instant t, int kind) {
      long ms = t.toEpochMilli();
      slots.computeIfAbsent(Math.floorDiv(ms, GRAINS[grain]), k -> new long[4])[kind]++;
      while (slots.size() > MAX_SLOTS && grain < GRAINS.length - 1) {
        coarsen();
      }
    }

    private void coarsen() {
      long from = GRAINS[grain];
      long to = GRAINS[++grain];
      TreeMap<Long, long[]> next = new TreeMap<>();
      slots.forEach((k, c) -> {
        long[] n = next.computeIfAbsent(Math.floorDiv(k * from, to), x -> new long[4]);
        for (int i = 0; i < 4; i++) {
          n[i] += c[i];
        }
      });
      slots = next;
    }

    Timeline timeline() {
      if (slots.isEmpty()) {
        return new Timeline(Duration.ofMillis(BUCKETS[0]), List.of());
      }
      long g = GRAINS[grain];
      long firstMs = slots.firstKey() * g;
      long lastMs = slots.lastKey() * g;
      long bucket = BUCKETS[BUCKETS.length - 1];
      for (long b : BUCKETS) {
        if (b >= g && b % g == 0
            && Math.floorDiv(lastMs, b) - Math.floorDiv(firstMs, b) + 1 <= MAX_BUCKETS) {
          bucket = b;
          break;
        }
      }
      long start = Math.floorDiv(firstMs, bucket);
      int n = (int) Math.min(Math.floorDiv(lastMs, bucket) - start + 1, 10 * MAX_BUCKETS);
      long[][] counts = new long[n][4];
      long size = bucket;
      slots.forEach((k, c) -> {
        int i = (int) Math.min(Math.floorDiv(k * g, size) - start, n - 1);
        for (int j = 0; j < 4; j++) {
          counts[i][j] += c[j];
        }
      });
      List<Bucket> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(new Bucket(Instant.ofEpochMilli((start + i) * bucket), counts[i][0], counts[i][1],
            counts[i][2], counts[i][3]));
      }
      return new Timeline(Duration.ofMillis(bucket), out);
    }
  }
}
