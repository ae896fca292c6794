package dev.nemoclaw.inference;

import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.spec.Inference;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What one run's gateway needs. {@code events} receives every {@link InferenceEvent} (thread-safe,
 * quick). {@code tuning} holds what agent.yaml does not configure.
 */
public record GatewayConfig(
    Inference spec,
    PrivacyGuard privacy,
    Credentials credentials,
    PriceTable prices,
    Consumer<InferenceEvent> events,
    Tuning tuning) {

  public GatewayConfig(Inference spec, PrivacyGuard privacy, Credentials credentials,
      PriceTable prices, Consumer<InferenceEvent> events) {
    this(spec, privacy, credentials, prices, events, Tuning.defaults());
  }

  /**
   * Circuit breaker and limits. A route's circuit opens after {@code failuresToOpen} failures in
   * a row, or when more than half of its last {@code slowWindow} answers took longer than
   * {@code slowCall} (default: half the route's timeout); it stays open for {@code cooldown},
   * then lets one probe through. {@code maxRequestBytes} bounds a request body (413 beyond).
   */
  public record Tuning(
      int failuresToOpen,
      Duration cooldown,
      Optional<Duration> slowCall,
      int slowWindow,
      int maxRequestBytes,
      Clock clock) {
    public Tuning {
      if (failuresToOpen < 1 || slowWindow < 1 || maxRequestBytes < 1 || cooldown.isNegative()) {
        throw new IllegalArgumentException("failuresToOpen, slowWindow, maxRequestBytes must be "
            + ">= 1 and cooldown >= 0");
      }
    }

    /** 3 failures, 30 s cooldown, slow = half the route timeout, window 10, 32 MiB bodies. */
    public static Tuning defaults() {
      return new Tuning(3, Duration.ofSeconds(30), Optional.empty(), 10, 32 << 20,
          Clock.systemUTC());
    }

    public Tuning withBreaker(int failures, Duration cooldownTime) {
      return new Tuning(failures, cooldownTime, slowCall, slowWindow, maxRequestBytes, clock);
    }

    public Tuning withSlowCalls(Duration slow, int window) {
      return new Tuning(failuresToOpen, cooldown, Optional.of(slow), window, maxRequestBytes,
          clock);
    }

    public Tuning withClock(Clock c) {
      return new Tuning(failuresToOpen, cooldown, slowCall, slowWindow, maxRequestBytes, c);
    }
  }
}
