package dev.nemoclaw.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A started sandbox, for the life of its run. */
public interface SandboxHandle {

  String name();

  /** Host pid of the process the backend started (the outer init for the native backend). */
  long pid();

  /** Whether memory/pids/cpu limits hold for this run, and why not if they don't. */
  Limits limits();

  /** Peaks and totals so far (live while it runs; unmeasured without a cgroup). */
  ResourceUsage usage();

  /**
   * New memory, pids and cpu limits while it runs (an approved escalation).
   *
   * @throws java.io.IOException when this run has no limits to change or the kernel refused
   */
  void setLimits(SandboxPlan.Resources resources) throws java.io.IOException;

  /** Status events so far, in order. */
  List<StatusEvent> events();

  /** Completes with true when the agent is about to {@code execve}, false if the run ended first. */
  CompletionStage<Boolean> started();

  /** Completes when the run has ended and everything it left has been cleaned up. */
  CompletionStage<Outcome> outcome();

  Outcome waitFor() throws InterruptedException;

  Optional<Outcome> waitFor(Duration max) throws InterruptedException;

  /** Sends {@code signal} to the sandbox (the init forwards it to the agent); false once ended. */
  boolean signal(int signal);

  /**
   * SIGTERM now (the init forwards it to the agent), SIGKILL after {@code grace} if still running;
   * returns when the run has ended. Harmless after the end.
   */
  Outcome stop(Duration grace) throws InterruptedException;
}
