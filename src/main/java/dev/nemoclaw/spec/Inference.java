package dev.nemoclaw.spec;

import java.util.List;
import java.util.Optional;

/**
 * Model routes behind {@code inference.local}. {@code defaultRoute} is present exactly when there
 * are routes (it defaults to the first one).
 */
public record Inference(
    Optional<String> defaultRoute,
    List<Route> routes,
    Optional<Budget> budget,
    Optional<RateLimit> rateLimit) {
  public Inference {
    routes = List.copyOf(routes);
  }

  public Optional<Route> route(String name) {
    return routes.stream().filter(r -> r.name().equals(name)).findFirst();
  }
}
