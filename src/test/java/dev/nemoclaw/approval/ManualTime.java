package dev.nemoclaw.approval;

import dev.nemoclaw.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A clock and a scheduler that move only when a test says so. */
final class ManualTime extends ManualClock implements Scheduler {
  private final List<Task> tasks = new ArrayList<>();

  private static final class Task {
    final Instant due;
    final Runnable run;
    boolean cancelled;

    Task(Instant due, Runnable run) {
      this.due = due;
      this.run = run;
    }
  }

  ManualTime(Instant start) {
    super(start);
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Task t = new Task(instant().plus(delay), task);
    tasks.add(t);
    return () -> {
      synchronized (ManualTime.this) {
        t.cancelled = true;
      }
    };
  }

  /** Moves time on and runs (on this thread, outside the lock) what fell due. */
  @Override
  public void advance(Duration d) {
    List<Task> due = new ArrayList<>();
    synchronized (this) {
      super.advance(d);
      Instant now = instant();
      for (var it = tasks.iterator(); it.hasNext(); ) {
        Task t = it.next();
        if (t.cancelled) {
          it.remove();
        } else if (!t.due.isAfter(now)) {
          it.remove();
          due.add(t);
        }
      }
    }
    due.forEach(t -> t.run.run());
  }

  synchronized int scheduled() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }
}
