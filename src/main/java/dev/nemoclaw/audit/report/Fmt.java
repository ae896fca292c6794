package dev.nemoclaw.audit.report;

import dev.nemoclaw.audit.report.ComplianceReport.Denial;
import dev.nemoclaw.audit.report.ComplianceReport.Run;
import dev.nemoclaw.audit.report.ComplianceReport.RunEnd;
import dev.nemoclaw.audit.report.ComplianceReport.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/** The words and numbers both renderers print, so the two formats say exactly the same. */
final class Fmt {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Fmt() {}

  /** UTC, to the second (to the millisecond when {@code precise}). */
  static String time(Instant t) {
    return TIME.format(t);
  }

  static String preciseTime(Instant t) {
    return MILLIS.format(t);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String usd(double v) {
    if (v == 0) {
      return "$0.00";
    }
    // a single call costs fractions of a cent: show them, down to a millionth of a dollar
    if (v < 0.0001) {
      return String.format(Locale.ROOT, "$%.6f", v);
    }
    return v < 1 ? String.format(Locale.ROOT, "$%.4f", v) : String.format(Locale.ROOT, "$%,.2f", v);
  }

  /** To the cent, for a headline figure; the tables have the exact amount. */
  static String usdRounded(double v) {
    if (v == 0) {
      return "$0";
    }
    return v < 0.01 ? "<$0.01" : String.format(Locale.ROOT, "$%,.2f", v);
  }

  /** Binary units as the agent.yaml writes them: {@code 512Ki}, {@code 48.0Mi}, {@code 1.5Gi}. */
  static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"Ki", "Mi", "Gi", "Ti"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String seconds(double s) {
    return String.format(Locale.ROOT, "%.2f s", s);
  }

  /** {@code 850ms}, {@code 12.4s}, {@code 3m 05s}, {@code 2h 10m}, {@code 3d 4h}. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
    }
    return String.format(Locale.ROOT, "%dd %dh", s / 86_400, (s % 86_400) / 3600);
  }

  /** The chart's bucket size: {@code 500 ms}, {@code 1 s}, {@code 5 min}, {@code 1 h}, {@code 1 d}. */
  static String bucket(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return ms / 1000 + " s";
    }
    if (ms < 3_600_000) {
      return ms / 60_000 + " min";
    }
    if (ms < 86_400_000) {
      return ms / 3_600_000 + " h";
    }
    return ms / 86_400_000 + " d";
  }

  /** A bucket's start, as precise as the bucket size needs. */
  static String bucketLabel(Instant t, Duration bucket) {
    String full = bucket.toMillis() < 1000 ? preciseTime(t) : time(t);
    if (bucket.toMillis() >= 86_400_000) {
      return full.substring(0, 10);
    }
    return full.substring(11, full.length() - 1);
  }

  static String scope(Scope s) {
    StringBuilder b = new StringBuilder();
    if (s.run().isPresent()) {
      b.append(s.run().get() == 0 ? "the last run (the log has none)"
          : "run " + s.run().get() + " of " + s.runsInLog());
    } else {
      b.append("all runs");
    }
    if (s.since().isPresent() || s.until().isPresent()) {
      b.append(", events ");
      s.since().ifPresent(t -> b.append("from ").append(time(t)));
      if (s.since().isPresent() && s.until().isPresent()) {
        b.append(' ');
      }
      s.until().ifPresent(t -> b.append("before ").append(time(t)));
    }
    return b.toString();
  }

  static String window(Optional<Instant> first, Optional<Instant> last) {
    if (first.isEmpty() || last.isEmpty()) {
      return "no events";
    }
    return time(first.get()) + " to " + time(last.get()) + " ("
        + duration(Duration.between(first.get(), last.get())) + ")";
  }

  /** {@code GET /path}, or {@code connection} for an L4 decision. */
  static String request(Denial d) {
    if (d.method().isEmpty()) {
      return "connection";
    }
    return d.method() + (d.path().isEmpty() ? "" : " " + d.path());
  }

  static String exit(Run r) {
    return r.end().map(e -> String.valueOf(e.exitCode())).orElse("no exit recorded");
  }

  static String howEnded(RunEnd e) {
    if (e.oom()) {
      return "OOM killed" + e.signal().map(s -> " (signal " + s + ")").orElse("");
    }
    return e.signal().map(s -> "signal " + s + signalName(s)).orElse("");
  }

  private static String signalName(int s) {
    return switch (s) {
      case 1 -> " (HUP)";
      case 2 -> " (INT)";
      case 6 -> " (ABRT)";
      case 9 -> " (KILL)";
      case 11 -> " (SEGV)";
      case 15 -> " (TERM)";
      default -> "";
    };
  }

  static String tokens(long n) {
    return count(n);
  }

  static String shortHash(String hex) {
    return hex.length() > 16 ? hex.substring(0, 16) + "…" : hex;
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
