package dev.nemoclaw.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.audit.report.ComplianceReport;
import dev.nemoclaw.audit.report.HtmlReport;
import dev.nemoclaw.audit.report.MarkdownReport;
import dev.nemoclaw.audit.report.ReportBuilder;
import dev.nemoclaw.audit.report.ReportQuery;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportRenderTest {
  @TempDir Path dir;
  AuditLog log;
  ComplianceReport report;

  @BeforeEach
  void build() throws IOException {
    log = ReportFixture.write(dir);
    report = ReportBuilder.build(log, AuditFixture.KEY, ReportQuery.everything(),
        Instant.parse("2026-11-24T00:00:00Z"));
  }

  @Test
  void markdownHasEverySectionWithItsNumbers() {
    String md = MarkdownReport.render(report);
    assertTrue(md.startsWith("# Compliance report: agent\n"), md);
    String head = ((ComplianceReport.Integrity.Intact) report.integrity()).headHash();
    assertTrue(md.contains("| Integrity | **intact**: every record's HMAC and the chain verified"
        + " up to the signed head; head hash `" + head + "` |"), md);
    assertTrue(md.contains("| Time covered | 2026-11-23 10:00:00Z to 2026-11-23 11:00:30Z (1h 00m) |"), md);
    assertTrue(md.contains("| Runs | 2 |"), md);
    assertTrue(md.contains("| Records | 22 verified (checkpoints included), in 1 file |"), md);
    assertTrue(md.contains("- **Egress decisions:** 3 allowed, 3 denied, 1 held, to 5 destinations"), md);
    assertTrue(md.contains("| api.github.com:443 | 2 | 0 | 0 | 2 |"), md);
    assertTrue(md.contains("| pypi.org:443 | 1 | 0 | 1 | 2 |"), md);
    assertTrue(md.contains("| 2026-11-23 10:00:03Z | pastebin.com:80 | POST /upload | /usr/bin/curl"
        + " | a deny rule matches \\[deny pastebin.com\\] |"), md);
    assertTrue(md.contains("| 2026-11-23 11:00:02Z | pastebin.com:443 | connection |"), md);
    assertTrue(md.contains("| alice | term | 1 | 0 |"), md);
    assertTrue(md.contains("| bob | tui | 0 | 1 |"), md);
    assertTrue(md.contains("| 2026-11-23 10:00:05Z | alice | term | granted | session | egress |"
        + " pypi.org:443 from /usr/bin/pip |"), md);
    assertTrue(md.contains("| 2026-11-23 10:00:07Z | 2 | alice | approvals | approve --always |"
        + " allow pypi.org:443 |   |"), md);
    assertTrue(md.contains("| credit-card | mask | egress | 1 | 2 |"), md);
    assertTrue(md.contains("| main | gpt-4o | openai | 2 | 1,500 | 300 |"
        + " $0.0185 | 0 |"), md);
    assertTrue(md.contains("| **total** |   |   | 4 | 1,800 | 350 | $0.0185 | 1 |"), md);
    assertTrue(md.contains("| budget\\_exhausted | 1 |"), md);
    assertTrue(md.contains("| 1 | 2026-11-23 10:00:00Z | sh -c agent --work | 20.0s | 0 |   | 256.0 Mi | 3.50 s | 12 |"), md);
    assertTrue(md.contains("| 2 | 2026-11-23 11:00:00Z | python3 evil.py | 30.0s | 137 | OOM killed"
        + " (signal 9) | 2.0 Gi | 10.00 s | 100 |"), md);
    assertTrue(md.contains("## Events over time\n\nPer 2 min"), md);
    assertFalse(md.contains("BROKEN"), md);
  }

  @Test
  void markdownEscapesWhatTheAgentControls() {
    String md = MarkdownReport.render(report);
    assertFalse(md.contains("<script"), md);
    assertFalse(md.contains("<img"), md);
    assertTrue(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;.evil\\|x:80"), md);
    assertTrue(md.contains("GET /a\\|b&lt;img src=x onerror=alert(1)&gt;"), md);
    // every row of every table has as many cells as its header: no pipe from the log splits one
    List<String> lines = md.lines().toList();
    int columns = -1;
    for (String l : lines) {
      if (!l.startsWith("|")) {
        columns = -1;
        continue;
      }
      int cells = cells(l);
      if (columns < 0) {
        columns = cells;
      }
      assertEquals(columns, cells, l);
    }
  }

  private static int cells(String row) {
    Matcher m = Pattern.compile("(?<!\\\\)\\|").matcher(row);
    int n = -1;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void htmlIsSelfContainedWithChartsAndEscapesEverythingFromTheLog() {
    String html = HtmlReport.render(report);
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src"
        + " 'none'; style-src 'unsafe-inline'; img-src data:\">"), html);
    String lower = html.toLowerCase(Locale.ROOT);
    assertFalse(lower.contains("<script"), "no script, and the agent's is escaped");
    assertFalse(lower.contains("<img"), html);
    assertFalse(lower.contains("<link"), html);
    assertFalse(lower.contains("@import"), html);
    assertFalse(lower.contains("url("), html);
    assertFalse(lower.contains("href="), html);
    assertEquals(count(lower, "xmlns=\"http://www.w3.org/2000/svg\""), count(lower, "://"),
        "the only URLs are SVG namespaces");
    String text = html.replace("<wbr>", "");
    assertTrue(text.contains("<td><span class=\"mono\">&lt;script&gt;alert(1)&lt;/script&gt;.evil|x:80</span>"), html);
    assertTrue(text.contains("<span class=\"mono\">GET /a|b&lt;img src=x onerror=alert(1)&gt;</span>"), html);
    assertEquals(3, count(html, "<svg "), "destinations, time line, inference cost");
    assertTrue(html.contains("aria-label=\"Decisions by destination\""), html);
    assertTrue(html.contains("aria-label=\"Events over time, per 2 min\""), html);
    assertTrue(html.contains("aria-label=\"Inference cost by route (USD)\""), html);
    assertTrue(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;.evil|x:80: 0 allowed,"
        + " 1 denied, 0 held</title>"), html);
    assertTrue(html.contains("class=\"status ok\""), html);
    assertTrue(html.contains("<td class=\"n\">2</td>"), html);
    assertEquals(count(html, "<tr>"), count(html, "</tr>"));
    assertEquals(count(html, "<table>"), count(html, "</table>"));
    assertEquals(count(html, "<section"), count(html, "</section>"));
  }

  @Test
  void aTamperedLogSaysSoAtTheTopOfBoth() throws IOException {
    Path file = log.files().getFirst();
    List<String> ls = AuditFixture.lines(file);
    ls.set(5, ls.get(5).replace("pypi.org", "pypi.orx"));
    AuditFixture.writeLines(file, ls);
    ComplianceReport bad = ReportBuilder.build(log, AuditFixture.KEY, ReportQuery.everything(),
        Instant.now());
    String md = MarkdownReport.render(bad);
    assertTrue(md.startsWith("# Compliance report: agent\n\n> **AUDIT LOG BROKEN: this log was"
        + " tampered with.** First problem (modified) at " + file + ":6, record 6:"), md);
    assertTrue(md.contains("Only the 5 records before it verified"), md);
    assertTrue(md.contains("| Integrity | **BROKEN** (modified) at " + file + ":6 |"), md);
    String html = HtmlReport.render(bad);
    int banner = html.indexOf("<div class=\"status bad\" id=\"integrity\" role=\"alert\">AUDIT LOG"
        + " BROKEN");
    assertTrue(banner > 0 && banner < html.indexOf("<section"), html);
    assertTrue(html.contains("First problem at <code>" + file + ":6</code>, record 6"), html);
  }

  @Test
  void anEmptyLogStillMakesAReport() throws IOException {
    AuditLog empty = ReportFixture.write(dir, "empty", List.of());
    ComplianceReport r = ReportBuilder.build(empty, AuditFixture.KEY, ReportQuery.everything(),
        Instant.now());
    String md = MarkdownReport.render(r);
    assertTrue(md.contains("| Time covered | no events |"), md);
    assertTrue(md.contains("No egress decisions."), md);
    String html = HtmlReport.render(r);
    assertEquals(0, count(html, "<svg "), html);
    assertTrue(html.contains("No runs in scope."), html);
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
