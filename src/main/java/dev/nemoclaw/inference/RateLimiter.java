package dev.nemoclaw.inference;

import dev.nemoclaw.spec.RateLimit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * {@code inference.rateLimit}: at most {@code requests} in any window of {@code per} (a sliding
 * log: exact, and small, since {@code requests} is bounded by the spec).
 */
final class RateLimiter {
  private final RateLimit limit;
  private final Clock clock;
  private final ArrayDeque<Instant> admitted = new ArrayDeque<>();

  RateLimiter(RateLimit limit, Clock clock) {
    this.limit = limit;
    this.clock = clock;
  }

  /** Empty when the request may go now; otherwise how long until it could. */
  synchronized Optional<Duration> tryAcquire() {
    Instant now = clock.instant();
    Instant windowStart = now.minus(limit.per());
    while (!admitted.isEmpty() && !admitted.peekFirst().isAfter(windowStart)) {
      admitted.pollFirst();
    }
    if (admitted.size() < limit.requests()) {
      admitted.addLast(now);
      return Optional.empty();
    }
    return Optional.of(Duration.between(windowStart, admitted.peekFirst()));
  }

  RateLimit limit() {
    return limit;
  }
}
