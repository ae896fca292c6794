package dev.nemoclaw.sandbox.init;

import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.StatusEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * What every backend's run of our init keeps the same way: the status lines as events, the
 * started and outcome futures, the timeout, and turning how it ended into an {@link Outcome}
 * ({@link OutcomeRules}). A backend adds how to start, signal and measure its sandbox.
 */
public abstract class InitRun implements SandboxHandle {
  private final String name;
  private final Limits limits;
  private final Consumer<StatusEvent> listener;
  private final List<StatusEvent> events = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Boolean> started = new CompletableFuture<>();
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private volatile Optional<Duration> timedOut = Optional.empty();

  protected InitRun(String name, Limits limits, Consumer<StatusEvent> listener) {
    this.name = name;
    this.limits = limits;
    this.listener = listener;
  }

  /** One status line of the init: recorded, {@code started} on "started", then the listener. */
  protected void onLine(String line) {
    StatusEvent e = StatusEvent.parse(line);
    events.add(e);
    if (e instanceof StatusEvent.Started) {
      started.complete(true);
    }
    try {
      listener.accept(e);
    } catch (RuntimeException ex) {
      // a listener's bug must not stop the run's bookkeeping
    }
  }

  /** Something to keep with the events that the init did not say (the status channel broke). */
  protected void note(String what) {
    events.add(new StatusEvent.Unknown(what));
  }

  /** Sleeps for the plan's timeout, then stops the run with {@code grace}; interrupt to cancel. */
  protected void watchTimeout(Optional<Duration> timeout, Duration grace) {
    if (timeout.isEmpty() || outcome.isDone()) {
      return;
    }
    try {
      Thread.sleep(timeout.get());
      timedOut = timeout;
      stop(grace);
    } catch (InterruptedException e) {
      // the run ended first
    }
  }

  /** Ends the run: its outcome from what the init said and how it ended ({@code init}). */
  protected void finish(WaitStatus init, ResourceUsage usage, long memoryLimit, Instant t0) {
    Outcome.Reason reason = OutcomeRules.decide(List.copyOf(events), init, timedOut, usage,
        memoryLimit);
    finish(reason, usage, t0);
  }

  /** Ends the run with {@code reason} (the supervisor's own failure, say). */
  protected void finish(Outcome.Reason reason, ResourceUsage usage, Instant t0) {
    outcome.complete(new Outcome(reason, lastInt(StatusEvent.Landlock.class),
        lastInt(StatusEvent.Seccomp.class), usage, limits, Duration.between(t0, Instant.now())));
    started.complete(false);
  }

  protected boolean ended() {
    return outcome.isDone();
  }

  private OptionalInt lastInt(Class<? extends StatusEvent> kind) {
    OptionalInt v = OptionalInt.empty();
    for (StatusEvent e : events) {
      if (kind.isInstance(e)) {
        v = OptionalInt.of(switch (e) {
          case StatusEvent.Landlock l -> l.abi();
          case StatusEvent.Seccomp s -> s.rules();
          default -> 0;
        });
      }
    }
    return v;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Limits limits() {
    return limits;
  }

  @Override
  public List<StatusEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public CompletionStage<Boolean> started() {
    return started.copy();
  }

  @Override
  public CompletionStage<Outcome> outcome() {
    return outcome.copy();
  }

  @Override
  public Outcome waitFor() throws InterruptedException {
    try {
      return outcome.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Optional<Outcome> waitFor(Duration max) throws InterruptedException {
    try {
      return Optional.of(outcome.get(max.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Outcome stop(Duration grace) throws InterruptedException {
    signal(LibC.SIGTERM);
    if (waitFor(grace).isEmpty()) {
      signal(LibC.SIGKILL);
    }
    return waitFor();
  }

  /** The run's usage: the final one once it has ended, else {@code live}. */
  protected ResourceUsage usageOr(java.util.function.Supplier<ResourceUsage> live) {
    return outcome.isDone() ? outcome.join().resources() : live.get();
  }
}
