package dev.nemoclaw.sandbox.init;

import dev.nemoclaw.sandbox.Outcome.Reason;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.StatusEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Turns what the init said and how it ended into a {@link Reason}. The status lines win over the
 * exit code: only they tell "nemoclaw failed" (125) from "the agent returned 125".
 */
public final class OutcomeRules {
  static final int SIGKILL = 9;

  private OutcomeRules() {}

  public static Reason decide(List<StatusEvent> events, WaitStatus init, Optional<Duration> timedOut,
      ResourceUsage usage, long memoryLimit) {
    if (timedOut.isPresent()) {
      return new Reason.TimedOut(timedOut.get());
    }
    boolean started = false;
    for (StatusEvent e : events) {
      switch (e) {
        case StatusEvent.Failed f -> {
          return new Reason.FailedToStart(f.step(), f.message());
        }
        case StatusEvent.ExecFailed x -> {
          return new Reason.ExecFailed(x.errno(), x.message());
        }
        case StatusEvent.Started s -> started = true;
        default -> { }
      }
    }
    Optional<Reason> told = events.reversed().stream()
        .<Reason>mapMulti((e, sink) -> {
          switch (e) {
            case StatusEvent.Exited x -> sink.accept(new Reason.Exited(x.code()));
            case StatusEvent.Signaled s -> sink.accept(signaled(s.signal(), usage, memoryLimit));
            default -> { }
          }
        })
        .findFirst();
    if (told.isPresent()) {
      return told.get();
    }
    if (!started) {
      return new Reason.FailedToStart("init", switch (init) {
        case WaitStatus.Exited x -> "the sandbox init exited with status " + x.code()
            + " before the agent started, without saying why";
        case WaitStatus.Killed k -> "the sandbox init was killed by signal " + k.signal()
            + " before the agent started";
      });
    }
    // started, but the init died before reporting: its own status is the best we have
    return switch (init) {
      case WaitStatus.Exited x -> new Reason.Exited(x.code());
      case WaitStatus.Killed k -> signaled(k.signal(), usage, memoryLimit);
    };
  }

  private static Reason signaled(int sig, ResourceUsage usage, long memoryLimit) {
    if (sig == SIGKILL && usage.oomKills() > 0) {
      return new Reason.OomKilled(memoryLimit);
    }
    return new Reason.Signaled(sig);
  }
}
