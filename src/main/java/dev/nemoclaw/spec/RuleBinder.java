package dev.nemoclaw.spec;

import java.util.List;
import java.util.Optional;

/** Binds {@code network.allow} / {@code network.deny} items (and preset rules). */
final class RuleBinder {
  private final Bind b;

  RuleBinder(Bind b) {
    this.b = b;
  }

  Optional<AllowRule> allowRule(YNode n, String field) {
    return b.map(n, field, Shape.ALLOW_RULE).flatMap(m -> {
      Parts p = parts(m, field);
      boolean inspect = b.field(m, field, "inspect", Values::bool).orElse(Defaults.INSPECT);
      return p.host.map(h -> new AllowRule(h, p.ports.orElse(Defaults.ALLOW_PORTS), p.methods,
          p.paths, p.binaries, inspect));
    });
  }

  Optional<DenyRule> denyRule(YNode n, String field) {
    return b.map(n, field, Shape.DENY_RULE).flatMap(m -> {
      Parts p = parts(m, field);
      return p.host.map(h -> new DenyRule(h, p.ports.orElse(List.of()), p.methods, p.paths,
          p.binaries));
    });
  }

  private record Parts(
      Optional<HostPattern> host,
      Optional<List<Integer>> ports,
      List<String> methods,
      List<String> paths,
      List<String> binaries) {}

  private Parts parts(YNode.Map m, String field) {
    b.require(m, field, "host", "api.github.com");
    Optional<HostPattern> host = b.field(m, field, "host", Values::host);
    Optional<List<Integer>> ports = nonEmpty(m, field, "ports", Values::port);
    List<String> methods = nonEmpty(m, field, "methods", Values::method).orElse(List.of());
    List<String> paths = nonEmpty(m, field, "paths", Values::urlPath).orElse(List.of());
    List<String> binaries =
        nonEmpty(m, field, "binaries", Values::absolutePath).orElse(List.of());
    return new Parts(host, ports, methods, paths, binaries);
  }

  /** A list that, when given, must hold something: an empty one is almost surely a mistake. */
  private <T> Optional<List<T>> nonEmpty(
      YNode.Map m, String field, String key, java.util.function.Function<String, T> parser) {
    Optional<List<T>> l = b.scalars(m, field, key, parser);
    if (l.isPresent() && l.get().isEmpty() && Bind.get(m, key).get() instanceof YNode.Seq s
        && s.items().isEmpty()) {
      b.error(s, Bind.path(field, key), "must not be empty; leave it out to mean "
          + (key.equals("ports") ? "the default" : "any"));
      return Optional.empty();
    }
    return l;
  }
}
