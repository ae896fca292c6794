package dev.nemoclaw.inference;

import dev.nemoclaw.spec.Route;
import java.math.BigDecimal;
import java.util.Optional;

/** One route, its circuit and what it has done in this run. */
final class RouteState {
  final Route route;
  final CircuitBreaker breaker;
  /** The route's model is fixed, so its price is looked up once, not per call. */
  final Optional<PriceTable.Price> price;
  private long calls;
  private long failures;
  private long promptTokens;
  private long completionTokens;
  private BigDecimal usd = BigDecimal.ZERO;
  private Optional<String> lastError = Optional.empty();

  RouteState(Route route, GatewayConfig.Tuning t, PriceTable prices) {
    this.route = route;
    this.price = prices.price(route.provider().yaml(), route.model());
    this.breaker = new CircuitBreaker(t.failuresToOpen(), t.cooldown(),
        t.slowCall().orElse(route.timeout().dividedBy(2)), t.slowWindow(), t.clock());
  }

  String name() {
    return route.name();
  }

  String provider() {
    return route.provider().yaml();
  }

  /** A call that reached the provider; {@code error} when it failed. */
  synchronized void called(Usage u, BigDecimal cost, Optional<String> error) {
    calls++;
    promptTokens += u.prompt();
    completionTokens += u.completion();
    usd = usd.add(cost);
    error.ifPresent(this::failed);
  }

  /** A failure before anything was sent (no key). */
  synchronized void failed(String error) {
    failures++;
    lastError = Optional.of(error);
  }

  synchronized RouteHealth health() {
    return new RouteHealth(name(), provider(), route.model(), breaker.state().wire, calls,
        failures, lastError, breaker.retryAt(), promptTokens, completionTokens, usd);
  }
}
