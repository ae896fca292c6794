package dev.nemoclaw.audit.report;

import java.time.Instant;
import java.util.Optional;

/**
 * Which part of a log a report covers: events with {@code since <= time < until}, of every run,
 * one run (numbered from 1 in the log's order) or the last one; {@code top} destinations are
 * listed by name and at most {@code maxDenials} denials one by one (the newest ones are dropped
 * first; the counts always cover them all).
 */
public record ReportQuery(Optional<Instant> since, Optional<Instant> until, Runs runs, int top,
    int maxDenials) {
  public static final int DEFAULT_TOP = 20;
  public static final int DEFAULT_MAX_DENIALS = 1000;

  public ReportQuery {
    if (top < 1) {
      throw new IllegalArgumentException("top must be at least 1, got " + top);
    }
    if (maxDenials < 0) {
      throw new IllegalArgumentException("maxDenials must not be negative, got " + maxDenials);
    }
    if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
      throw new IllegalArgumentException("the window is empty: since " + since.get()
          + " is not before until " + until.get());
    }
  }

  public static ReportQuery everything() {
    return new ReportQuery(Optional.empty(), Optional.empty(), new Runs.All(), DEFAULT_TOP,
        DEFAULT_MAX_DENIALS);
  }

  public ReportQuery withWindow(Optional<Instant> since, Optional<Instant> until) {
    return new ReportQuery(since, until, runs, top, maxDenials);
  }

  public ReportQuery withRuns(Runs r) {
    return new ReportQuery(since, until, r, top, maxDenials);
  }

  public ReportQuery withTop(int n) {
    return new ReportQuery(since, until, runs, n, maxDenials);
  }

  boolean inWindow(Instant t) {
    return since.map(s -> !t.isBefore(s)).orElse(true) && until.map(t::isBefore).orElse(true);
  }

  /** Which runs: a run is a ProcessStart and everything up to its ProcessExit. */
  public sealed interface Runs {
    record All() implements Runs {}

    record One(int number) implements Runs {
      public One {
        if (number < 1) {
          throw new IllegalArgumentException("runs are numbered from 1, got " + number);
        }
      }
    }

    record Last() implements Runs {}
  }
}
