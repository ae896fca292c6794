package dev.nemoclaw.audit.report;

import dev.nemoclaw.audit.report.ComplianceReport.Bucket;
import dev.nemoclaw.audit.report.ComplianceReport.Destination;
import dev.nemoclaw.audit.report.ComplianceReport.InferenceRow;
import dev.nemoclaw.audit.report.ComplianceReport.Timeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's charts as inline SVG: drawn here from the numbers, so the HTML file needs nothing
 * from anywhere (no script, no library, no font). Labels from the log are escaped like all text.
 */
final class Svg {
  static final String ALLOWED = "#2da44e";
  static final String DENIED = "#cf222e";
  static final String HELD = "#d4a72c";
  static final String OTHER = "#8c959f";
  static final String COST = "#0969da";
  private static final String GRID = "#d8dee4";
  private static final String TEXT = "#1f2328";
  private static final String MUTED = "#59636e";
  private static final String FONT = "font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,"
      + "'Helvetica Neue',Arial,sans-serif\"";

  private Svg() {}

  /** Horizontal stacked bars: allowed, denied, held per destination, the busiest first. */
  static String destinations(List<Destination> rows) {
    int width = 1000;
    int labelW = 300;
    int right = 70;
    int rowH = 24;
    int top = 8;
    int axis = 22;
    int height = top + rows.size() * rowH + axis;
    long max = niceMax(rows.stream().mapToLong(Destination::total).max().orElse(1));
    double plotW = width - labelW - right;
    StringBuilder s = open(width, height, "Decisions by destination");
    grid(s, labelW, top, plotW, rows.size() * rowH, max);
    int y = top;
    for (Destination d : rows) {
      String name = d.name();
      s.append("<g><title>").append(HtmlReport.h(name)).append(": ").append(d.allowed())
          .append(" allowed, ").append(d.denied()).append(" denied, ").append(d.held())
          .append(" held</title>");
      s.append("<text x=\"").append(labelW - 8).append("\" y=\"").append(y + rowH / 2 + 4)
          .append("\" text-anchor=\"end\" font-size=\"12\" fill=\"").append(TEXT).append("\">")
          .append(HtmlReport.h(Fmt.truncate(name, 44))).append("</text>");
      double x = labelW;
      long[] parts = {d.allowed(), d.denied(), d.held()};
      String[] colours = {ALLOWED, DENIED, HELD};
      for (int i = 0; i < 3; i++) {
        double w = plotW * parts[i] / max;
        if (parts[i] > 0) {
          s.append("<rect x=\"").append(num(x)).append("\" y=\"").append(y + 4)
              .append("\" width=\"").append(num(Math.max(w, 1.5))).append("\" height=\"")
              .append(rowH - 8).append("\" fill=\"").append(colours[i]).append("\"/>");
        }
        x += w;
      }
      s.append("<text x=\"").append(num(x + 6)).append("\" y=\"").append(y + rowH / 2 + 4)
          .append("\" font-size=\"12\" fill=\"").append(MUTED).append("\">")
          .append(Fmt.count(d.total())).append("</text></g>");
      y += rowH;
    }
    axisLabels(s, labelW, y, plotW, max);
    return s.append("</svg>").toString();
  }

  /** Vertical stacked bars per time bucket: decisions by outcome, then every other event. */
  static String timeline(Timeline t) {
    List<Bucket> b = t.buckets();
    int width = 1000;
    int left = 56;
    int right = 12;
    int top = 10;
    int plotH = 180;
    int bottom = 40;
    int height = top + plotH + bottom;
    long max = niceMax(b.stream().mapToLong(Bucket::total).max().orElse(1));
    double plotW = width - left - right;
    double slot = plotW / Math.max(1, b.size());
    double barW = Math.max(1, slot * (b.size() > 30 ? 0.8 : 0.7));
    StringBuilder s = open(width, height, "Events over time, per " + Fmt.bucket(t.bucket()));
    for (long tick : ticks(max)) {
      double y = top + plotH - plotH * (double) tick / max;
      s.append("<line x1=\"").append(left).append("\" x2=\"").append(width - right)
          .append("\" y1=\"").append(num(y)).append("\" y2=\"").append(num(y))
          .append("\" stroke=\"").append(GRID).append("\" stroke-width=\"1\"/>");
      s.append("<text x=\"").append(left - 6).append("\" y=\"").append(num(y + 4))
          .append("\" text-anchor=\"end\" font-size=\"11\" fill=\"").append(MUTED).append("\">")
          .append(Fmt.count(tick)).append("</text>");
    }
    int every = Math.max(1, (int) Math.ceil(b.size() / 8.0));
    for (int i = 0; i < b.size(); i++) {
      Bucket k = b.get(i);
      double x = left + i * slot + (slot - barW) / 2;
      double base = top + plotH;
      s.append("<g><title>").append(HtmlReport.h(Fmt.time(k.start()))).append(" (")
          .append(Fmt.bucket(t.bucket())).append("): ").append(k.allowed()).append(" allowed, ")
          .append(k.denied()).append(" denied, ").append(k.held()).append(" held, ")
          .append(k.other()).append(" other</title>");
      long[] parts = {k.allowed(), k.denied(), k.held(), k.other()};
      String[] colours = {ALLOWED, DENIED, HELD, OTHER};
      for (int j = 0; j < 4; j++) {
        if (parts[j] == 0) {
          continue;
        }
        double h = Math.max(1, plotH * (double) parts[j] / max);
        base -= h;
        s.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(base))
            .append("\" width=\"").append(num(barW)).append("\" height=\"").append(num(h))
            .append("\" fill=\"").append(colours[j]).append("\"/>");
      }
      s.append("</g>");
      if (i % every == 0) {
        s.append("<text x=\"").append(num(left + i * slot + slot / 2)).append("\" y=\"")
            .append(top + plotH + 16).append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"")
            .append(MUTED).append("\">").append(HtmlReport.h(Fmt.bucketLabel(k.start(), t.bucket())))
            .append("</text>");
      }
    }
    s.append("<line x1=\"").append(left).append("\" x2=\"").append(width - right)
        .append("\" y1=\"").append(top + plotH).append("\" y2=\"").append(top + plotH)
        .append("\" stroke=\"").append(MUTED).append("\" stroke-width=\"1\"/>");
    s.append("<text x=\"").append(left).append("\" y=\"").append(height - 4)
        .append("\" font-size=\"11\" fill=\"").append(MUTED).append("\">UTC, ")
        .append(day(b.getFirst()))
        .append(day(b.getFirst()).equals(day(b.getLast())) ? "" : " to " + day(b.getLast()))
        .append("</text>");
    return s.append("</svg>").toString();
  }

  /**
   * Horizontal bars of cost per route (models of one route summed); by tokens when nothing had a
   * price, so a local model's use still shows.
   */
  static String inference(List<InferenceRow> rows) {
    Map<String, double[]> byRoute = new LinkedHashMap<>();
    for (InferenceRow r : rows) {
      double[] v = byRoute.computeIfAbsent(r.route().isEmpty() ? "(no route)" : r.route(),
          k -> new double[3]);
      v[0] += r.usd();
      v[1] += r.inputTokens() + r.outputTokens();
      v[2] += r.calls();
    }
    boolean byCost = byRoute.values().stream().anyMatch(v -> v[0] > 0);
    List<Map.Entry<String, double[]>> entries = new ArrayList<>(byRoute.entrySet());
    int m = byCost ? 0 : 1;
    entries.sort((a, b) -> Double.compare(b.getValue()[m], a.getValue()[m]));
    int width = 1000;
    int labelW = 220;
    int right = 220;
    int rowH = 26;
    int top = 6;
    int height = top + entries.size() * rowH + 6;
    double max = Math.max(entries.stream().mapToDouble(e -> e.getValue()[m]).max().orElse(1), 1e-9);
    double plotW = width - labelW - right;
    StringBuilder s = open(width, height, byCost ? "Inference cost by route (USD)"
        : "Inference tokens by route (no priced calls)");
    int y = top;
    for (Map.Entry<String, double[]> e : entries) {
      double[] v = e.getValue();
      String label = Fmt.usd(v[0]) + " · " + Fmt.count((long) v[2]) + " calls · "
          + Fmt.count((long) v[1]) + " tokens";
      double w = Math.max(1.5, plotW * v[m] / max);
      s.append("<g><title>").append(HtmlReport.h(e.getKey())).append(": ")
          .append(HtmlReport.h(label)).append("</title>");
      s.append("<text x=\"").append(labelW - 8).append("\" y=\"").append(y + rowH / 2 + 4)
          .append("\" text-anchor=\"end\" font-size=\"12\" fill=\"").append(TEXT).append("\">")
          .append(HtmlReport.h(Fmt.truncate(e.getKey(), 32))).append("</text>");
      s.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + 5).append("\" width=\"")
          .append(num(w)).append("\" height=\"").append(rowH - 10).append("\" fill=\"")
          .append(COST).append("\"/>");
      s.append("<text x=\"").append(num(labelW + w + 6)).append("\" y=\"").append(y + rowH / 2 + 4)
          .append("\" font-size=\"12\" fill=\"").append(MUTED).append("\">")
          .append(HtmlReport.h(label)).append("</text></g>");
      y += rowH;
    }
    return s.append("</svg>").toString();
  }

  private static String day(Bucket b) {
    return Fmt.time(b.start()).substring(0, 10);
  }

  private static StringBuilder open(int width, int height, String title) {
    StringBuilder s = new StringBuilder(4096);
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width).append(' ')
        .append(height).append("\" width=\"100%\" role=\"img\" aria-label=\"")
        .append(HtmlReport.h(title)).append("\" ").append(FONT).append("><title>")
        .append(HtmlReport.h(title)).append("</title>");
    return s;
  }

  private static void grid(StringBuilder s, int left, int top, double plotW, int plotH, long max) {
    for (long tick : ticks(max)) {
      double x = left + plotW * tick / max;
      s.append("<line x1=\"").append(num(x)).append("\" x2=\"").append(num(x)).append("\" y1=\"")
          .append(top).append("\" y2=\"").append(top + plotH).append("\" stroke=\"")
          .append(GRID).append("\" stroke-width=\"1\"/>");
    }
  }

  private static void axisLabels(StringBuilder s, int left, int y, double plotW, long max) {
    for (long tick : ticks(max)) {
      double x = left + plotW * tick / max;
      s.append("<text x=\"").append(num(x)).append("\" y=\"").append(y + 15)
          .append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"").append(MUTED).append("\">")
          .append(Fmt.count(tick)).append("</text>");
    }
  }

  /** The smallest 1, 2, 5 × 10^k at or above {@code v} (at least 1). */
  static long niceMax(long v) {
    long m = 1;
    while (true) {
      for (long f : new long[] {1, 2, 5}) {
        if (f * m >= v) {
          return f * m;
        }
      }
      m *= 10;
    }
  }

  /** Four or five round ticks from 0 to {@code max} (a {@link #niceMax}). */
  static List<Long> ticks(long max) {
    long step = max % 4 == 0 && max >= 4 ? max / 4 : max % 5 == 0 && max >= 5 ? max / 5
        : max % 2 == 0 ? max / 2 : max;
    List<Long> out = new ArrayList<>();
    for (long t = 0; t <= max; t += step) {
      out.add(t);
    }
    return out;
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
