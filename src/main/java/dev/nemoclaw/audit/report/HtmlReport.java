package dev.nemoclaw.audit.report;

import dev.nemoclaw.audit.report.ComplianceReport.ApprovalRow;
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
import java.util.ArrayList;
import java.util.List;

/**
 * The report as one self-contained HTML file: inline CSS and SVG, no script, no font, no
 * request of any kind (a Content-Security-Policy of {@code default-src 'none'} says so to the
 * browser too), laid out to print. Every value from the log is HTML-escaped.
 */
public final class HtmlReport {
  static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  private static final int CHART_ROWS = 15;

  private HtmlReport() {}

  private static final String CSS = """
      :root{--ok:#1a7f37;--bad:#cf222e;--held:#9a6700;--ink:#1f2328;--muted:#59636e;\
      --line:#d1d9e0;--soft:#f6f8fa}
      *{box-sizing:border-box}
      html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
      body{margin:0;background:#fff;color:var(--ink);font:14px/1.45 system-ui,-apple-system,\
      "Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
      main{max-width:1120px;margin:0 auto;padding:28px 40px 40px}
      h1{font-size:24px;margin:0}
      h1 small{font-weight:400;color:var(--muted);font-size:15px;margin-left:8px}
      h2{font-size:17px;margin:30px 0 10px;padding-bottom:5px;border-bottom:1px solid var(--line)}
      h3{font-size:14px;margin:16px 0 6px}
      .status{margin:16px 0;padding:12px 16px;border-radius:8px;font-weight:600}
      .status.ok{background:#dafbe1;border:1px solid #4ac26b;color:#116329}
      .status.bad{background:#ffebe9;border:3px solid var(--bad);color:#82071e;font-size:16px}
      .status .detail{display:block;font-weight:400;font-size:13px;margin-top:4px;word-break:break-all}
      dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:12px 0}
      dl.meta dt{color:var(--muted)}
      dl.meta dd{margin:0}
      .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:10px;margin:14px 0}
      .kpi{border:1px solid var(--line);border-radius:8px;padding:9px 12px;background:var(--soft)}
      .kpi b{display:block;font-size:21px;font-variant-numeric:tabular-nums}
      .kpi span{color:var(--muted);font-size:12px}
      .kpi.denied b{color:var(--bad)} .kpi.allowed b{color:var(--ok)} .kpi.held b{color:var(--held)}
      table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 4px}
      th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
      th{background:var(--soft);font-weight:600;white-space:nowrap}
      .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      .mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;\
      overflow-wrap:break-word}
      .nw{white-space:nowrap}
      .t{white-space:nowrap;font-variant-numeric:tabular-nums}
      .tag{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600}
      .tag.ok{background:#dafbe1;color:#116329} .tag.bad{background:#ffebe9;color:#a40e26}
      .muted,.note{color:var(--muted)}
      .note{font-size:12px;margin:4px 0}
      .legend{font-size:12px;color:var(--muted);margin:2px 0 4px}
      .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 5px 0 12px;\
      vertical-align:-1px}
      figure{margin:8px 0 12px}
      svg{display:block;max-width:100%;height:auto}
      footer{margin-top:34px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
      @page{size:A4;margin:14mm}
      @media print{main{padding:0;max-width:none}h2{break-after:avoid}figure,tr,.kpis{break-inside:avoid}\
      thead{display:table-header-group}}
      """;

  public static String render(ComplianceReport r) {
    StringBuilder b = new StringBuilder(32_768);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<meta name=\"generator\" content=\"nemoclaw report\">\n")
        .append("<title>Compliance report: ").append(h(r.sandbox())).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
    header(b, r);
    kpis(b, r);
    destinations(b, r.decisions());
    timeline(b, r);
    denials(b, r);
    approvals(b, r);
    revisions(b, r.revisions());
    privacy(b, r.privacy());
    inference(b, r.inference());
    runs(b, r.runs());
    notes(b, r);
    b.append("<footer>Generated by nemoclaw at ").append(Fmt.time(r.generated()))
        .append(" from the audit log of <b>").append(h(r.sandbox())).append("</b>. Every figure"
            + " comes from records whose HMAC verified under the host key; <code>nemoclaw audit"
            + " verify ").append(h(r.sandbox())).append("</code> checks the log again.</footer>\n");
    b.append("</main>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void header(StringBuilder b, ComplianceReport r) {
    b.append("<header>\n<h1>Compliance report <small>sandbox</small> ").append(h(r.sandbox()))
        .append("</h1>\n");
    switch (r.integrity()) {
      case Integrity.Intact ok -> b.append("<div class=\"status ok\" id=\"integrity\">Audit log"
          + " intact: every record's HMAC and the hash chain verified up to the signed head."
          + "<span class=\"detail\">head hash <code>").append(h(ok.headHash()))
          .append("</code></span></div>\n");
      case Integrity.Broken bad -> b.append("<div class=\"status bad\" id=\"integrity\" role=\"alert\">"
          + "AUDIT LOG BROKEN: this log was tampered with (").append(h(bad.kind()))
          .append("). Only the ").append(Fmt.count(bad.records()))
          .append(" records before the first problem verified; this report covers those alone."
              + "<span class=\"detail\">First problem at <code>").append(h(bad.where()))
          .append("</code>").append(bad.seq() > 0 ? ", record " + bad.seq() : "").append(": ")
          .append(h(bad.reason())).append("</span></div>\n");
    }
    b.append("<dl class=\"meta\">\n");
    meta(b, "Scope", h(Fmt.scope(r.scope())));
    meta(b, "Time covered", h(Fmt.window(r.first(), r.last())));
    meta(b, "Records", Fmt.count(r.integrity().records()) + " verified (checkpoints included), in "
        + r.integrity().files() + (r.integrity().files() == 1 ? " file" : " files") + "; "
        + Fmt.count(r.events()) + " events in scope");
    meta(b, "Generated", Fmt.time(r.generated()));
    b.append("</dl>\n</header>\n");
  }

  private static void meta(StringBuilder b, String k, String v) {
    b.append("<dt>").append(k).append("</dt><dd>").append(v).append("</dd>\n");
  }

  private static void kpis(StringBuilder b, ComplianceReport r) {
    Decisions d = r.decisions();
    long granted = r.approvals().stream().filter(ApprovalRow::granted).count();
    b.append("<div class=\"kpis\">\n");
    kpi(b, "", Fmt.count(r.runs().size()), r.runs().size() == 1 ? "run" : "runs");
    kpi(b, "allowed", Fmt.count(d.allowed()), "allowed");
    kpi(b, "denied", Fmt.count(d.denied()), "denied");
    kpi(b, "held", Fmt.count(d.held()), "held");
    kpi(b, "", Fmt.count(granted) + " / " + Fmt.count(r.approvals().size() - granted),
        "approvals granted / denied");
    kpi(b, "", Fmt.count(r.revisions().size()), "policy revisions");
    kpi(b, "", Fmt.count(r.privacy().stream().mapToLong(PrivacyRow::matches).sum()),
        "privacy matches");
    kpi(b, "", Fmt.usdRounded(r.inference().usd()), Fmt.count(r.inference().calls())
        + " inference calls");
    kpi(b, "", Fmt.count(r.tools().calls()) + " / " + Fmt.count(r.tools().refused()),
        "tool calls / refused");
    b.append("</div>\n");
  }

  private static void kpi(StringBuilder b, String cls, String value, String label) {
    b.append("<div class=\"kpi").append(cls.isEmpty() ? "" : " " + cls).append("\"><b>")
        .append(h(value)).append("</b><span>").append(h(label)).append("</span></div>\n");
  }

  private static void destinations(StringBuilder b, Decisions d) {
    b.append("<section id=\"destinations\">\n<h2>Decisions by destination</h2>\n");
    if (d.top().isEmpty()) {
      b.append("<p class=\"muted\">No egress decisions.</p>\n</section>\n");
      return;
    }
    b.append(legend(true, false));
    b.append("<figure>").append(Svg.destinations(d.top().subList(0, Math.min(CHART_ROWS,
        d.top().size())))).append("</figure>\n");
    List<List<String>> rows = new ArrayList<>();
    for (Destination x : d.top()) {
      rows.add(List.of(mono(x.name()), Fmt.count(x.allowed()), Fmt.count(x.denied()),
          Fmt.count(x.held()), Fmt.count(x.total())));
    }
    table(b, List.of("Destination", "Allowed", "Denied", "Held", "Total"), "lnnnn", rows);
    if (d.destinationsTotal() > d.top().size()) {
      b.append("<p class=\"note\">…and ").append(d.destinationsTotal() - d.top().size())
          .append(" more destinations with ").append(Fmt.count(d.more())).append(" decisions.</p>\n");
    }
    b.append("</section>\n");
  }

  private static void timeline(StringBuilder b, ComplianceReport r) {
    if (r.timeline().buckets().isEmpty()) {
      return;
    }
    b.append("<section id=\"timeline\">\n<h2>Events over time</h2>\n").append(legend(true, true));
    b.append("<figure>").append(Svg.timeline(r.timeline())).append("</figure>\n</section>\n");
  }

  private static String legend(boolean decisions, boolean other) {
    StringBuilder s = new StringBuilder("<div class=\"legend\">");
    if (decisions) {
      s.append("<i style=\"background:").append(Svg.ALLOWED).append("\"></i>allowed")
          .append("<i style=\"background:").append(Svg.DENIED).append("\"></i>denied")
          .append("<i style=\"background:").append(Svg.HELD).append("\"></i>held");
    }
    if (other) {
      s.append("<i style=\"background:").append(Svg.OTHER).append("\"></i>other events"
          + " (runs, approvals, revisions, findings, inference)");
    }
    return s.append("</div>\n").toString();
  }

  private static void denials(StringBuilder b, ComplianceReport r) {
    b.append("<section id=\"denials\">\n<h2>Denials</h2>\n");
    if (r.denialsTotal() == 0) {
      b.append("<p class=\"muted\">None.</p>\n</section>\n");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Denial x : r.denials()) {
      rows.add(List.of(time(x.time()), mono(x.destination()), mono(Fmt.request(x)),
          mono(x.binary()), h(x.reason())));
    }
    table(b, List.of("Time", "Destination", "Request", "Binary", "Reason"), "lllll", rows);
    if (r.denialsTotal() > r.denials().size()) {
      b.append("<p class=\"note\">The first ").append(Fmt.count(r.denials().size())).append(" of ")
          .append(Fmt.count(r.denialsTotal())).append(" denials are listed; <code>nemoclaw audit"
              + " export ").append(h(r.sandbox())).append("</code> has them all.</p>\n");
    }
    b.append("</section>\n");
  }

  private static void approvals(StringBuilder b, ComplianceReport r) {
    b.append("<section id=\"approvals\">\n<h2>Approvals</h2>\n");
    if (r.approvals().isEmpty()) {
      b.append("<p class=\"muted\">No operator decisions.</p>\n</section>\n");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (OperatorTally o : r.operators()) {
      rows.add(List.of(h(o.operator()), h(String.join(", ", o.channels())),
          Fmt.count(o.granted()), Fmt.count(o.denied())));
    }
    b.append("<h3>By operator</h3>\n");
    table(b, List.of("Operator", "Channels", "Granted", "Denied"), "llnn", rows);
    rows = new ArrayList<>();
    for (ApprovalRow a : r.approvals()) {
      rows.add(List.of(time(a.time()), h(a.operator()), h(a.channel()),
          a.granted() ? "<span class=\"tag ok\">granted</span>" : "<span class=\"tag bad\">denied</span>",
          h(a.scope()), h(a.kind()), mono(a.subject())));
    }
    b.append("<h3>Decisions</h3>\n");
    table(b, List.of("Time", "Operator", "Channel", "Decision", "Scope", "Kind", "Subject"),
        "lllllll", rows);
    b.append("</section>\n");
  }

  private static void revisions(StringBuilder b, List<Revision> revisions) {
    b.append("<section id=\"revisions\">\n<h2>Policy revisions</h2>\n");
    if (revisions.isEmpty()) {
      b.append("<p class=\"muted\">None.</p>\n</section>\n");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Revision v : revisions) {
      rows.add(List.of(time(v.time()), String.valueOf(v.revision()), h(v.author()), h(v.channel()),
          h(v.reason()), lines(v.added()), lines(v.removed())));
    }
    table(b, List.of("Time", "Revision", "Author", "Channel", "Reason", "Added", "Removed"),
        "lnlllll", rows);
    b.append("</section>\n");
  }

  private static void privacy(StringBuilder b, List<PrivacyRow> rows) {
    b.append("<section id=\"privacy\">\n<h2>Privacy findings</h2>\n");
    if (rows.isEmpty()) {
      b.append("<p class=\"muted\">None.</p>\n</section>\n");
      return;
    }
    List<List<String>> out = new ArrayList<>();
    for (PrivacyRow p : rows) {
      out.add(List.of(h(p.detector()), h(p.action()), h(p.where()), Fmt.count(p.events()),
          Fmt.count(p.matches())));
    }
    table(b, List.of("Detector", "Action", "Where", "Events", "Matches"), "lllnn", out);
    b.append("<p class=\"note\">Findings never hold the matched text, only which detector fired"
        + " where.</p>\n</section>\n");
  }

  private static void inference(StringBuilder b, InferenceSummary inf) {
    b.append("<section id=\"inference\">\n<h2>Inference</h2>\n");
    if (inf.calls() == 0) {
      b.append("<p class=\"muted\">No calls through inference.local.</p>\n</section>\n");
      return;
    }
    b.append("<figure>").append(Svg.inference(inf.routes())).append("</figure>\n");
    List<List<String>> rows = new ArrayList<>();
    for (InferenceRow x : inf.routes()) {
      rows.add(List.of(h(x.route()), mono(x.model()), h(x.provider()), Fmt.count(x.calls()),
          Fmt.tokens(x.inputTokens()), Fmt.tokens(x.outputTokens()), Fmt.usd(x.usd()),
          Fmt.count(x.failed())));
    }
    rows.add(List.of("<b>total</b>", "", "", "<b>" + Fmt.count(inf.calls()) + "</b>",
        "<b>" + Fmt.tokens(inf.inputTokens()) + "</b>", "<b>" + Fmt.tokens(inf.outputTokens()) + "</b>",
        "<b>" + Fmt.usd(inf.usd()) + "</b>", "<b>" + Fmt.count(inf.failed()) + "</b>"));
    table(b, List.of("Route", "Model", "Provider", "Calls", "Tokens in", "Tokens out", "USD",
        "Failed"), "lllnnnnn", rows);
    if (!inf.errors().isEmpty()) {
      rows = new ArrayList<>();
      for (ErrorTally e : inf.errors()) {
        rows.add(List.of(mono(e.code()), Fmt.count(e.count())));
      }
      b.append("<h3>Errors</h3>\n");
      table(b, List.of("Error", "Calls"), "ln", rows);
    }
    b.append("</section>\n");
  }

  private static void runs(StringBuilder b, List<Run> runs) {
    b.append("<section id=\"runs\">\n<h2>Runs and resources</h2>\n");
    if (runs.isEmpty()) {
      b.append("<p class=\"muted\">No runs in scope.</p>\n</section>\n");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Run r : runs) {
      rows.add(List.of(String.valueOf(r.number()), time(r.start()),
          mono(Fmt.truncate(r.command(), 160)), r.duration().map(Fmt::duration).orElse("-"),
          h(Fmt.exit(r)), h(r.end().map(Fmt::howEnded).orElse("")),
          r.end().map(e -> Fmt.bytes(e.peakMemoryBytes())).orElse("-"),
          r.end().map(e -> Fmt.seconds(e.cpuSeconds())).orElse("-"),
          r.end().map(e -> String.valueOf(e.peakPids())).orElse("-")));
    }
    table(b, List.of("Run", "Started", "Command", "Duration", "Exit", "Signal / OOM",
        "Peak memory", "CPU", "Peak pids"), "nllnnlnnn", rows);
    b.append("</section>\n");
  }

  private static void notes(StringBuilder b, ComplianceReport r) {
    List<String> notes = new ArrayList<>(r.logNotes());
    if (r.integrity() instanceof Integrity.Intact ok) {
      notes.addAll(ok.notes());
    }
    if (notes.isEmpty()) {
      return;
    }
    b.append("<section id=\"notes\">\n<h2>Log notes</h2>\n<ul>\n");
    notes.forEach(n -> b.append("<li>").append(h(n)).append("</li>\n"));
    b.append("</ul>\n</section>\n");
  }

  /** {@code cells} are HTML already (escaped where they hold log text). */
  private static void table(StringBuilder b, List<String> header, String align,
      List<List<String>> rows) {
    b.append("<table>\n<thead><tr>");
    for (int i = 0; i < header.size(); i++) {
      b.append(align.charAt(i) == 'n' ? "<th class=\"n\">" : "<th>").append(header.get(i))
          .append("</th>");
    }
    b.append("</tr></thead>\n<tbody>\n");
    for (List<String> row : rows) {
      b.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        b.append(align.charAt(i) == 'n' ? "<td class=\"n\">" : "<td>").append(row.get(i))
            .append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</tbody>\n</table>\n");
  }

  private static String time(java.time.Instant t) {
    return "<span class=\"t\">" + Fmt.time(t) + "</span>";
  }

  /** Log text in a monospace cell that may wrap after separators (long paths, host names). */
  private static String mono(String s) {
    if (s.isEmpty()) {
      return "";
    }
    if (s.length() <= 32) {
      return "<span class=\"mono nw\">" + h(s) + "</span>";
    }
    StringBuilder b = new StringBuilder(s.length() + 32).append("<span class=\"mono\">");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(h(String.valueOf(c)));
      if ("/.?&=:,;|".indexOf(c) >= 0 && i < s.length() - 1) {
        b.append("<wbr>");
      }
    }
    return b.append("</span>").toString();
  }

  private static String lines(List<String> items) {
    StringBuilder s = new StringBuilder();
    for (String i : items) {
      if (!s.isEmpty()) {
        s.append("<br>");
      }
      s.append("<span class=\"mono\">").append(h(i)).append("</span>");
    }
    return s.toString();
  }

  /** Text as HTML: safe in element content and in quoted attributes alike. */
  static String h(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String r = switch (c) {
        case '&' -> "&amp;";
        case '<' -> "&lt;";
        case '>' -> "&gt;";
        case '"' -> "&quot;";
        case '\'' -> "&#39;";
        default -> Character.isISOControl(c) && c != '\n' && c != '\t' ? "\uFFFD" : null;
      };
      if (r != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (r != null) {
          b.append(r);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }
}
