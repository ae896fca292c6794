package dev.nemoclaw.cli;

import java.util.List;
import java.util.Locale;

/** Text rendering shared by the control commands: tables, sizes, ages, and NO_COLOR. */
final class Human {
  private Human() {}

  /** Bold only for a terminal, and never with NO_COLOR set (https://no-color.org). */
  static boolean colour() {
    String noColor = System.getenv("NO_COLOR");
    var console = System.console();
    return (noColor == null || noColor.isEmpty()) && console != null && console.isTerminal();
  }

  static String bold(String s) {
    return colour() ? "\u001b[1m" + s + "\u001b[0m" : s;
  }

  /** Left-aligned columns two spaces apart; the header row in bold on a terminal. */
  static String table(List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(bold(line(header, w))).append('\n');
    for (List<String> r : rows) {
      sb.append(line(r, w)).append('\n');
    }
    return sb.toString();
  }

  private static String line(List<String> cells, int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      sb.append(i == cells.size() - 1 ? c : c + " ".repeat(w[i] - c.length() + 2));
    }
    return sb.toString().stripTrailing();
  }

  /** Binary units as the agent.yaml writes them: {@code 512Ki}, {@code 48.0Mi}, {@code 1.5Gi}. */
  static String bytes(long b) {
    if (b < 1024) {
      return b + "B";
    }
    String[] units = {"Ki", "Mi", "Gi", "Ti"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1fs", s);
  }

  static void say(String message) {
    System.err.println("nemoclaw: " + message);
  }

  /** "running: a, b" or "no sandbox is running", for messages about an unknown name. */
  static String running(List<String> names) {
    return names.isEmpty() ? "no sandbox is running" : "running: " + String.join(", ", names);
  }
}
