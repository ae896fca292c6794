package dev.nemoclaw.sandbox;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * How one run ended. {@code exitCode} is what {@code nemoclaw run} returns (CONTRACT §4); the
 * {@link Reason} says why, so the supervisor never has to guess from the number alone (an agent may
 * itself return 125).
 */
public record Outcome(
    Reason reason,
    OptionalInt landlockAbi,
    OptionalInt seccompRules,
    ResourceUsage resources,
    Limits limits,
    Duration duration) {

  public int exitCode() {
    return reason.exitCode();
  }

  /** Why the run ended; each reason fixes the exit code. */
  public sealed interface Reason {
    int exitCode();

    /** The agent returned {@code code}. */
    record Exited(int code) implements Reason {
      public int exitCode() {
        return code & 0xff;
      }
    }

    /** The agent was killed by {@code signal} (not the OOM killer, not our timeout). */
    record Signaled(int signal) implements Reason {
      public int exitCode() {
        return 128 + signal;
      }
    }

    /** nemoclaw could not build the sandbox; {@code step} names what it was doing. */
    record FailedToStart(String step, String message) implements Reason {
      public int exitCode() {
        return 125;
      }
    }

    /** {@code execve} of the agent's command failed: ENOENT is 127, anything else 126. */
    record ExecFailed(int errno, String message) implements Reason {
      public static final int ENOENT = 2;

      public int exitCode() {
        return errno == ENOENT ? 127 : 126;
      }
    }

    /** {@code resources.timeout} expired and the sandbox was killed. */
    record TimedOut(Duration after) implements Reason {
      public int exitCode() {
        return 124;
      }
    }

    /** The kernel's OOM killer ended the agent at the sandbox's memory limit. */
    record OomKilled(long memoryLimitBytes) implements Reason {
      public int exitCode() {
        return 137;
      }

      public String message() {
        return "the agent ran out of memory: killed by the OOM killer at the sandbox's limit of "
            + memoryLimitBytes + " bytes (raise resources.memory)";
      }
    }
  }
}
