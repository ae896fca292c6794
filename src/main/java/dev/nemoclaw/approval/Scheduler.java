package dev.nemoclaw.approval;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs approval timeouts; tests drive it by hand with their clock. */
@FunctionalInterface
public interface Scheduler {
  /** Runs {@code task} once after {@code delay}, on some other thread, unless cancelled. */
  Cancellable schedule(Duration delay, Runnable task);

  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }

  static Scheduler of(ScheduledExecutorService executor) {
    return (delay, task) -> {
      var f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
