package dev.nemoclaw.control;

import dev.nemoclaw.spec.Values;
import java.time.Duration;
import java.util.Optional;

/** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} (CONTRACT §2), as the protocol carries them. */
final class Durations {
  private Durations() {}

  static Optional<Duration> parse(String text) {
    try {
      return Optional.of(Values.duration(text.strip()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
