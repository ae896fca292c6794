package dev.nemoclaw.inference;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One route's circuit: closed (calls go through) → open after {@code failuresToOpen} failures in a
 * row, or when more than half of the last {@code slowWindow} answered calls were slower than
 * {@code slowCall} (calls skip the route) → after {@code cooldown}, half-open: exactly one probe
 * goes through; its success closes the circuit, its failure opens it again. Calls that were
 * already under way when it opened do not change it.
 */
final class CircuitBreaker {
  enum State {
    CLOSED("closed"),
    OPEN("open"),
    HALF_OPEN("half-open");

    final String wire;

    State(String wire) {
      this.wire = wire;
    }
  }

  private final int failuresToOpen;
  private final Duration cooldown;
  private final Duration slowCall;
  private final boolean[] recent;
  private final Clock clock;

  private State state = State.CLOSED;
  private int failuresInARow;
  private Instant retryAt = Instant.MIN;
  private boolean probing;
  private int recentCount;
  private int recentNext;

  CircuitBreaker(int failuresToOpen, Duration cooldown, Duration slowCall, int slowWindow,
      Clock clock) {
    this.failuresToOpen = failuresToOpen;
    this.cooldown = cooldown;
    this.slowCall = slowCall;
    this.recent = new boolean[slowWindow];
    this.clock = clock;
  }

  /** Whether a call may go to the route now; in half-open, true for the one probe only. */
  synchronized boolean tryAcquire() {
    switch (state) {
      case CLOSED -> {
        return true;
      }
      case OPEN -> {
        if (clock.instant().isBefore(retryAt)) {
          return false;
        }
        state = State.HALF_OPEN;
        probing = true;
        return true;
      }
      default -> {
        if (probing) {
          return false;
        }
        probing = true;
        return true;
      }
    }
  }

  /** The provider answered (any status but 5xx and 429) after {@code latency}. */
  synchronized void success(Duration latency) {
    switch (state) {
      case HALF_OPEN -> close();
      case CLOSED -> {
        failuresInARow = 0;
        recent[recentNext] = latency.compareTo(slowCall) > 0;
        recentNext = (recentNext + 1) % recent.length;
        recentCount = Math.min(recentCount + 1, recent.length);
        int slow = 0;
        for (int i = 0; i < recentCount; i++) {
          slow += recent[i] ? 1 : 0;
        }
        if (slow * 2 > recent.length) {
          open();
        }
      }
      case OPEN -> { }
    }
  }

  /** Connect error, timeout, 5xx or 429. */
  synchronized void failure() {
    switch (state) {
      case HALF_OPEN -> open();
      case CLOSED -> {
        if (++failuresInARow >= failuresToOpen) {
          open();
        }
      }
      case OPEN -> { }
    }
  }

  private void open() {
    state = State.OPEN;
    retryAt = clock.instant().plus(cooldown);
    reset();
  }

  private void close() {
    state = State.CLOSED;
    reset();
  }

  private void reset() {
    probing = false;
    failuresInARow = 0;
    recentCount = 0;
    recentNext = 0;
  }

  /** As a caller would find it now: an open circuit past its cooldown is ready for a probe. */
  synchronized State state() {
    return state == State.OPEN && !clock.instant().isBefore(retryAt) ? State.HALF_OPEN : state;
  }

  /** When an open circuit lets a probe through. */
  synchronized Optional<Instant> retryAt() {
    return state == State.OPEN ? Optional.of(retryAt) : Optional.empty();
  }
}
