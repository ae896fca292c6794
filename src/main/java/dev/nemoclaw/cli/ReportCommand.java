package dev.nemoclaw.cli;

import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.report.ComplianceReport;
import dev.nemoclaw.audit.report.HtmlReport;
import dev.nemoclaw.audit.report.MarkdownReport;
import dev.nemoclaw.audit.report.ReportBuilder;
import dev.nemoclaw.audit.report.ReportQuery;
import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.host.HostDirs;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"A compliance report of a sandbox, built from its audit log (docs/report.md):"
        + " the log's integrity, runs, egress decisions by destination, every denial, operator"
        + " approvals, policy revisions, privacy findings, inference use and cost, and each run's"
        + " exit and resource peaks.",
        "Only records that verify under the host key are counted. A tampered log's report says"
            + " so at the top, covers what verified before the first problem, and exits 1.",
        "html is one self-contained file (inline CSS and SVG charts, no scripts, nothing fetched);"
            + " md is GitHub-flavoured Markdown."},
    footer = {"", "Examples:",
        "  nemoclaw report hello",
        "  nemoclaw report hello --format html --out hello-report.html",
        "  nemoclaw report hello --since 7d --format md --out weekly.md",
        "  nemoclaw report hello --last --format html --out last-run.html",
        "", "Exit codes: 0 report written, the log intact; 1 no such log, no host key, or the log"
            + " was tampered with (the report of what verified is still written); 2 usage error."})
final class ReportCommand implements Callable<Integer> {
  enum Format { html, md }

  @Parameters(paramLabel = "NAME", description = "the sandbox's name (its agent.yaml's name)")
  String name;

  @Option(names = "--format", defaultValue = "md", paramLabel = "FORMAT",
      description = "html or md (default md)")
  Format format;

  @Option(names = "--out", paramLabel = "FILE",
      description = "write the report to FILE (atomically: a temp file, fsync, rename) instead of"
          + " stdout")
  Path output;

  @Option(names = "--since", paramLabel = "TIME", converter = InstantConverter.class,
      description = "only events at or after TIME: an ISO-8601 instant (2026-11-23T10:00:00Z),"
          + " a date (2026-11-23, UTC), or a duration ago (30m, 24h, 7d, 2w)")
  Instant since;

  @Option(names = "--until", paramLabel = "TIME", converter = InstantConverter.class,
      description = "only events before TIME (same forms as --since)")
  Instant until;

  @ArgGroup(exclusive = true)
  RunChoice run;

  static final class RunChoice {
    @Option(names = "--run", paramLabel = "N",
        description = "only run N (runs are numbered 1, 2, … in the log's order; a run is the"
            + " agent's start up to its exit)")
    Integer number;

    @Option(names = "--last", description = "only the last run")
    boolean last;
  }

  @Option(names = "--top", paramLabel = "N", defaultValue = "" + ReportQuery.DEFAULT_TOP,
      description = "destinations listed by name, the busiest first (default ${DEFAULT-VALUE})")
  int top;

  @Override
  public Integer call() {
    HostDirs dirs = HostDirs.fromEnvironment();
    AuditLog log;
    ReportQuery query;
    try {
      log = AuditLog.forSandbox(dirs.state(), name);
      query = new ReportQuery(Optional.ofNullable(since), Optional.ofNullable(until), runs(), top,
          ReportQuery.DEFAULT_MAX_DENIALS);
    } catch (IllegalArgumentException e) {
      Human.say(e.getMessage());
      return 2;
    }
    if (!log.exists()) {
      Human.say("no audit log for " + name + " (no " + log.dir()
          + "); a run of that sandbox creates it");
      return 1;
    }
    ComplianceReport report;
    try {
      report = ReportBuilder.build(log, HostKey.load(dirs.config()), query, Instant.now());
    } catch (IOException e) {
      Human.say(e.getMessage());
      return 1;
    }
    byte[] text = (format == Format.html ? HtmlReport.render(report) : MarkdownReport.render(report))
        .getBytes(StandardCharsets.UTF_8);
    try {
      if (output != null) {
        AtomicFile.write(output, text);
      } else {
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        out.write(text);
        out.flush();
      }
    } catch (IOException e) {
      Human.say("cannot write the report to " + (output != null ? output : "stdout") + ": "
          + e.getMessage());
      return 1;
    }
    if (report.scope().run().filter(n -> n > report.scope().runsInLog() || n == 0).isPresent()) {
      Human.say(name + "'s log has " + report.scope().runsInLog()
          + (report.scope().runsInLog() == 1 ? " run" : " runs") + "; the report is empty");
    }
    if (report.integrity() instanceof ComplianceReport.Integrity.Broken bad) {
      Human.say(name + "'s audit log is NOT intact (" + bad.kind() + " at "
          + bad.where() + ": " + bad.reason() + "); the report covers the " + bad.records()
          + " records before it" + (output != null ? " and was written to " + output : ""));
      return 1;
    }
    if (output != null) {
      Human.say("report of " + name + " written to " + output);
    }
    return 0;
  }

  private ReportQuery.Runs runs() {
    if (run == null) {
      return new ReportQuery.Runs.All();
    }
    return run.last ? new ReportQuery.Runs.Last() : new ReportQuery.Runs.One(run.number);
  }
}
