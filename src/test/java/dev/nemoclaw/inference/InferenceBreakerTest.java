package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The circuit breaker's states, without sockets. */
class InferenceBreakerTest {
  final ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
  final CircuitBreaker b = new CircuitBreaker(3, Duration.ofSeconds(30), Duration.ofSeconds(1),
      4, clock);

  @Test
  void successesBetweenFailuresKeepItClosed() {
    b.failure();
    b.failure();
    b.success(Duration.ZERO);
    b.failure();
    b.failure();
    assertEquals(CircuitBreaker.State.CLOSED, b.state());
    b.failure();
    assertEquals(CircuitBreaker.State.OPEN, b.state());
    assertFalse(b.tryAcquire());
    assertEquals(Optional.of(clock.instant().plusSeconds(30)), b.retryAt());
  }

  @Test
  void halfOpenLetsExactlyOneProbeThrough() {
    for (int i = 0; i < 3; i++) {
      b.failure();
    }
    clock.advance(Duration.ofSeconds(30));
    assertEquals(CircuitBreaker.State.HALF_OPEN, b.state());
    assertTrue(b.tryAcquire(), "the probe");
    assertFalse(b.tryAcquire(), "a second caller while the probe is out");
    b.success(Duration.ofMillis(10));
    assertEquals(CircuitBreaker.State.CLOSED, b.state());
    assertTrue(b.tryAcquire());
  }

  @Test
  void slowCallsOpenItWhenTheyAreMoreThanHalfTheWindow() {
    b.success(Duration.ofSeconds(2));
    b.success(Duration.ofMillis(5));
    b.success(Duration.ofSeconds(2));
    assertEquals(CircuitBreaker.State.CLOSED, b.state(), "2 of 4 is not more than half");
    b.success(Duration.ofSeconds(2));
    assertEquals(CircuitBreaker.State.OPEN, b.state());
  }
}
