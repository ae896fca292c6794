package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.ReportFixture.EVIL_HOST;
import static dev.nemoclaw.audit.ReportFixture.T0;
import static dev.nemoclaw.audit.ReportFixture.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.audit.report.ComplianceReport;
import dev.nemoclaw.audit.report.ComplianceReport.Destination;
import dev.nemoclaw.audit.report.ComplianceReport.Integrity;
import dev.nemoclaw.audit.report.ComplianceReport.Run;
import dev.nemoclaw.audit.report.ReportBuilder;
import dev.nemoclaw.audit.report.ReportQuery;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportBuilderTest {
  @TempDir Path dir;
  static final Instant NOW = Instant.parse("2026-11-24T00:00:00Z");

  ComplianceReport report(AuditLog log, ReportQuery q) throws IOException {
    return ReportBuilder.build(log, AuditFixture.KEY, q, NOW);
  }

  @Test
  void everyEventTypeIsTallied() throws IOException {
    AuditLog log = ReportFixture.write(dir);
    ComplianceReport r = report(log, ReportQuery.everything());

    Integrity.Intact ok = assertInstanceOf(Integrity.Intact.class, r.integrity());
    assertEquals(ReportFixture.events().size() + 2, ok.records(), "events plus open and close checkpoints");
    assertEquals(log.verify(AuditFixture.KEY) instanceof Verification.Intact v ? v.headHash() : "",
        ok.headHash());
    assertEquals(20, r.events());
    assertEquals(Optional.of(T0), r.first());
    assertEquals(Optional.of(at(3630)), r.last());
    assertTrue(r.scope().everything());
    assertEquals(2, r.scope().runsInLog());

    var d = r.decisions();
    assertEquals(3, d.allowed());
    assertEquals(3, d.denied());
    assertEquals(1, d.held());
    assertEquals(5, d.destinationsTotal());
    assertEquals(List.of(
        new Destination("api.github.com", 443, 2, 0, 0),
        new Destination("pypi.org", 443, 1, 0, 1),
        new Destination(EVIL_HOST, 80, 0, 1, 0),
        new Destination("pastebin.com", 443, 0, 1, 0),
        new Destination("pastebin.com", 80, 0, 1, 0)), d.top());

    assertEquals(3, r.denialsTotal());
    var first = r.denials().getFirst();
    assertEquals(at(3), first.time());
    assertEquals("pastebin.com:80", first.destination());
    assertEquals("POST", first.method());
    assertEquals("/upload", first.path());
    assertEquals("/usr/bin/curl", first.binary());
    assertEquals("a deny rule matches [deny pastebin.com]", first.reason());
    assertEquals("", r.denials().get(2).method(), "an L4 denial has no method");

    assertEquals(List.of(
        new ComplianceReport.OperatorTally("alice", List.of("term"), 1, 0),
        new ComplianceReport.OperatorTally("bob", List.of("tui"), 0, 1)), r.operators());
    assertEquals(2, r.approvals().size());
    var a = r.approvals().getFirst();
    assertEquals("session", a.scope());
    assertEquals("pypi.org:443 from /usr/bin/pip", a.subject());
    assertEquals("egress", a.kind());
    assertTrue(a.granted());

    assertEquals(List.of(new ComplianceReport.Revision(at(7), 2, "alice", "approvals",
        "approve --always", List.of("allow pypi.org:443"), List.of())), r.revisions());

    assertEquals(List.of(
        new ComplianceReport.PrivacyRow("credit-card", "mask", "egress", 1, 2),
        new ComplianceReport.PrivacyRow("email", "audit", "inference", 1, 1)), r.privacy());

    var inf = r.inference();
    assertEquals(4, inf.calls());
    assertEquals(1800, inf.inputTokens());
    assertEquals(350, inf.outputTokens());
    assertEquals(0.0185, inf.usd(), 1e-9);
    assertEquals(1, inf.failed());
    assertEquals(List.of(new ComplianceReport.ErrorTally("budget_exhausted", 1)), inf.errors());
    assertEquals(3, inf.routes().size());
    var main = inf.routes().getFirst();
    assertEquals("main", main.route());
    assertEquals("gpt-4o", main.model());
    assertEquals("openai", main.provider());
    assertEquals(2, main.calls());
    assertEquals(0.0185, main.usd(), 1e-9);

    assertEquals(2, r.runs().size());
    Run one = r.runs().get(0);
    assertEquals(1, one.number());
    assertEquals(100, one.pid());
    assertEquals("sh -c agent --work", one.command());
    assertEquals(Optional.of(Duration.ofSeconds(20)), one.duration());
    var end1 = one.end().orElseThrow();
    assertEquals(0, end1.exitCode());
    assertEquals(256L << 20, end1.peakMemoryBytes());
    assertEquals(3.5, end1.cpuSeconds());
    assertEquals(12, end1.peakPids());
    var end2 = r.runs().get(1).end().orElseThrow();
    assertEquals(137, end2.exitCode());
    assertEquals(Optional.of(9), end2.signal());
    assertTrue(end2.oom());
    assertEquals(Optional.of(Duration.ofSeconds(30)), r.runs().get(1).duration());
  }

  @Test
  void toolCallsAreCountedAndNotTakenForInference() throws IOException {
    AuditLog log = ReportFixture.write(dir, "tools", List.of(
        new AuditEvent.ToolCall(ReportFixture.at(1), "local", "exec", "block", false, "r", "no",
            "high", java.util.Map.of(), Optional.empty(), ""),
        new AuditEvent.ToolCall(ReportFixture.at(2), "fs", "read", "allow", true, "r", "ok",
            "low", java.util.Map.of(), Optional.empty(), ""),
        new AuditEvent.Inference(ReportFixture.at(3), "main", "openai", "m", 200, 1, 1, 0, "")));
    ComplianceReport r = report(log, ReportQuery.everything());
    assertEquals(new ComplianceReport.ToolSummary(2, 1), r.tools());
    assertEquals(1, r.inference().calls());
    assertTrue(dev.nemoclaw.audit.report.MarkdownReport.render(r)
        .contains("- **Tool calls:** 2, 1 refused"));
  }

  @Test
  void theTimelineBucketsFitTheSpanAndCountEveryEvent() throws IOException {
    ComplianceReport r = report(ReportFixture.write(dir), ReportQuery.everything());
    var t = r.timeline();
    assertEquals(Duration.ofMinutes(2), t.bucket(), "an hour's span in at most 60 buckets");
    assertTrue(t.buckets().size() <= 60, t.toString());
    assertEquals(r.events(), t.buckets().stream().mapToLong(ComplianceReport.Bucket::total).sum());
    assertEquals(3, t.buckets().stream().mapToLong(ComplianceReport.Bucket::denied).sum());
    assertEquals(T0, t.buckets().getFirst().start());

    ComplianceReport one = report(AuditLog.forSandbox(dir, "agent"),
        ReportQuery.everything().withRuns(new ReportQuery.Runs.One(1)));
    assertEquals(Duration.ofMillis(500), one.timeline().bucket(), "a 20 s run in half seconds");
    assertEquals(41, one.timeline().buckets().size());
  }

  @Test
  void aTimeWindowKeepsOnlyItsEventsAndTheRunsItOverlaps() throws IOException {
    AuditLog log = ReportFixture.write(dir);
    ComplianceReport late = report(log, ReportQuery.everything()
        .withWindow(Optional.of(at(1800)), Optional.empty()));
    assertEquals(4, late.events());
    assertEquals(0, late.decisions().allowed());
    assertEquals(2, late.decisions().denied());
    assertEquals(List.of(2), late.runs().stream().map(Run::number).toList());
    assertEquals(0, late.inference().calls());
    assertTrue(late.approvals().isEmpty());
    assertEquals(Optional.of(at(3600)), late.first());

    ComplianceReport early = report(log, ReportQuery.everything()
        .withWindow(Optional.empty(), Optional.of(at(5))));
    assertEquals(5, early.events(), "until is exclusive");
    assertEquals(2, early.decisions().allowed());
    assertEquals(1, early.decisions().denied());
    assertEquals(1, early.decisions().held());
    assertEquals(List.of(1), early.runs().stream().map(Run::number).toList());
    assertTrue(early.runs().getFirst().end().isPresent(), "a run is shown whole");

    ComplianceReport middle = report(log, ReportQuery.everything()
        .withWindow(Optional.of(at(10)), Optional.of(at(14))));
    assertEquals(4, middle.inference().calls());
    assertEquals(List.of(1), middle.runs().stream().map(Run::number).toList(),
        "a run that started before the window and ended in it overlaps it");

    ComplianceReport none = report(log, ReportQuery.everything()
        .withWindow(Optional.of(at(100)), Optional.of(at(200))));
    assertEquals(0, none.events());
    assertTrue(none.runs().isEmpty());
    assertTrue(none.timeline().buckets().isEmpty());
    assertInstanceOf(Integrity.Intact.class, none.integrity(), "integrity is always the whole log's");
    assertThrows(IllegalArgumentException.class, () -> ReportQuery.everything()
        .withWindow(Optional.of(at(5)), Optional.of(at(5))));
  }

  @Test
  void oneRunOrTheLastOne() throws IOException {
    AuditLog log = ReportFixture.write(dir);
    ComplianceReport first = report(log, ReportQuery.everything().withRuns(new ReportQuery.Runs.One(1)));
    assertEquals(16, first.events());
    assertEquals(Optional.of(1), first.scope().run());
    assertEquals(List.of(1), first.runs().stream().map(Run::number).toList());
    assertEquals(1, first.decisions().denied());
    assertEquals(4, first.inference().calls());

    ComplianceReport last = report(log, ReportQuery.everything().withRuns(new ReportQuery.Runs.Last()));
    assertEquals(4, last.events());
    assertEquals(Optional.of(2), last.scope().run());
    assertEquals(List.of(2), last.runs().stream().map(Run::number).toList());
    assertEquals(2, last.decisions().denied());
    assertEquals(0, last.inference().calls());

    ComplianceReport third = report(log, ReportQuery.everything().withRuns(new ReportQuery.Runs.One(3)));
    assertEquals(0, third.events());
    assertTrue(third.runs().isEmpty());
  }

  @Test
  void onlyTheTopDestinationsAndTheFirstDenialsAreListedButAllAreCounted() throws IOException {
    List<AuditEvent> events = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      for (int j = 0; j <= i % 5; j++) {
        events.add(new AuditEvent.Network(T0.plusMillis(i * 10L + j), AuditEvent.Decision.DENIED,
            "h" + i + ".example", 443, "/usr/bin/curl", "no rule matches"));
      }
    }
    AuditLog log = ReportFixture.write(dir, "busy", events);
    ComplianceReport r = report(log, new ReportQuery(Optional.empty(), Optional.empty(),
        new ReportQuery.Runs.All(), 3, 7));
    assertEquals(3, r.decisions().top().size());
    assertEquals(50, r.decisions().destinationsTotal());
    assertEquals(events.size(), r.decisions().denied());
    assertEquals(events.size() - 15, r.decisions().more());
    assertEquals("h14.example", r.decisions().top().getFirst().host(), "5 denials; ties by name");
    assertEquals(7, r.denials().size());
    assertEquals(events.size(), r.denialsTotal());
    assertEquals(T0, r.denials().getFirst().time(), "the first ones are kept");
    assertEquals(Duration.ofMillis(100), r.timeline().bucket(), "half a second in 100 ms buckets");
  }

  @Test
  void aLongLogIsChartedInCoarseBuckets() throws IOException {
    List<AuditEvent> events = new ArrayList<>();
    for (int day = 0; day < 30; day++) {
      for (int i = 0; i < 800; i++) {
        events.add(new AuditEvent.Network(T0.plus(Duration.ofDays(day)).plusSeconds(i * 97L),
            AuditEvent.Decision.ALLOWED, "a.example", 443, "/usr/bin/curl", "ok"));
      }
    }
    ComplianceReport r = report(ReportFixture.write(dir, "long", events), ReportQuery.everything());
    assertEquals(Duration.ofDays(1), r.timeline().bucket(), "12 h buckets would be 61");
    assertEquals(31, r.timeline().buckets().size(), "10:00 on day 0 to 07:31 on day 30");
    assertEquals(events.size(), r.timeline().buckets().stream()
        .mapToLong(ComplianceReport.Bucket::allowed).sum());
  }

  @Test
  void aTamperedLogIsMarkedBrokenAndOnlyWhatVerifiedIsCounted() throws IOException {
    AuditLog log = ReportFixture.write(dir);
    Path file = log.files().getFirst();
    List<String> ls = AuditFixture.lines(file);
    // line 10 is record 10: the open checkpoint, then events 1..9; event 9 is a privacy finding
    ls.set(9, ls.get(9).replace("\"count\":2", "\"count\":0"));
    AuditFixture.writeLines(file, ls);
    ComplianceReport r = report(log, ReportQuery.everything());
    Integrity.Broken bad = assertInstanceOf(Integrity.Broken.class, r.integrity());
    assertEquals("modified", bad.kind());
    assertEquals(file + ":10", bad.where());
    assertEquals(10, bad.seq());
    assertEquals(9, bad.records());
    assertEquals(8, r.events(), "the events before the bad record");
    assertTrue(r.privacy().isEmpty(), "nothing from the bad record on");
    assertEquals(1, r.runs().size());
    assertTrue(r.runs().getFirst().end().isEmpty());
  }
}
