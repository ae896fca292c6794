package dev.nemoclaw.spec;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Binds {@code inference}: routes, their references to each other, budget and rate limit. */
final class InferenceBinder {
  private static final BigDecimal MAX_USD = new BigDecimal("1000000");
  private final Bind b;

  InferenceBinder(Bind b) {
    this.b = b;
  }

  static Inference none() {
    return new Inference(Optional.empty(), List.of(), Optional.empty(), Optional.empty());
  }

  Inference bind(Optional<YNode> node) {
    Optional<YNode.Map> section = node.flatMap(n -> b.map(n, "inference", Shape.INFERENCE));
    if (section.isEmpty()) {
      return none();
    }
    YNode.Map m = section.get();
    String f = "inference";
    Map<String, YNode> nameNodes = new HashMap<>();
    List<Route> routes = b.list(m, f, "routes", (n, field) -> route(n, field, nameNodes))
        .orElse(List.of());
    Optional<String> dflt = Bind.get(m, "default").flatMap(n -> b.text(n, f + ".default")
        .flatMap(name -> mustExist(n, f + ".default", name, declared(nameNodes))));
    if (dflt.isEmpty() && Bind.get(m, "default").isEmpty() && !routes.isEmpty()) {
      dflt = Optional.of(routes.getFirst().name());
    }
    checkFallbacks(m, routes, declared(nameNodes));
    Optional<Budget> budget = Bind.get(m, "budget").flatMap(n -> budget(n, f + ".budget"));
    Optional<RateLimit> rate = Bind.get(m, "rateLimit").flatMap(n -> rateLimit(b, n,
        f + ".rateLimit"));
    return new Inference(dflt, routes, budget, rate);
  }

  private Optional<Route> route(YNode n, String f, Map<String, YNode> nameNodes) {
    return b.map(n, f, Shape.ROUTE).flatMap(m -> {
      b.require(m, f, "name", "main");
      b.require(m, f, "provider", Values.allowed(Provider.class).replace(", ", " | "));
      b.require(m, f, "model", "nvidia/nemotron-3-super-120b-a12b");
      Optional<String> name = b.field(m, f, "name", Values::name);
      name.ifPresent(nm -> {
        YNode at = Bind.get(m, "name").orElseThrow();
        YNode first = nameNodes.putIfAbsent(nm, at);
        if (first != null) {
          b.error(at, Bind.path(f, "name"), "route '" + nm + "' is defined twice (first at line "
              + first.line() + ")");
        }
      });
      Optional<Provider> provider = b.enumField(m, f, "provider", Provider.class);
      Optional<URI> baseUrl = b.field(m, f, "baseUrl", InferenceBinder::httpUrl);
      Optional<String> model = b.field(m, f, "model", InferenceBinder::nonBlank);
      // a key is only ever named: never interpolate, so ${X} cannot smuggle a value in
      Optional<String> keyEnv = Bind.get(m, "apiKeyEnv").flatMap(k -> b.rawText(k,
          Bind.path(f, "apiKeyEnv")).flatMap(s -> b.parse(k, Bind.path(f, "apiKeyEnv"), s,
              Values::envName)));
      Optional<String> fallback = b.field(m, f, "fallback", Values::name);
      java.time.Duration timeout = b.field(m, f, "timeout", Values::duration)
          .orElse(Defaults.ROUTE_TIMEOUT);
      if (name.isEmpty() || provider.isEmpty() || model.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Route(name.get(), provider.get(),
          baseUrl.orElse(provider.get().defaultBaseUrl()), model.get(), keyEnv, fallback, timeout));
    });
  }

  /** Route names as declared, including routes that failed for other reasons. */
  private static List<String> declared(Map<String, YNode> nameNodes) {
    return nameNodes.entrySet().stream()
        .sorted(java.util.Comparator.comparingInt((Map.Entry<String, YNode> e) ->
            e.getValue().line()).thenComparingInt(e -> e.getValue().column()))
        .map(Map.Entry::getKey).toList();
  }

  private Optional<String> mustExist(YNode at, String field, String name, List<String> routes) {
    if (routes.contains(name)) {
      return Optional.of(name);
    }
    b.error(at, field, "no route named '" + name + "'; defined: " + (routes.isEmpty() ? "none"
        : String.join(", ", routes)) + Suggest.didYouMean(name, routes));
    return Optional.empty();
  }

  private void checkFallbacks(YNode.Map m, List<Route> routes, List<String> declared) {
    Optional<YNode.Seq> seq = Bind.get(m, "routes").filter(YNode.Seq.class::isInstance)
        .map(YNode.Seq.class::cast);
    if (seq.isEmpty()) {
      return;
    }
    Map<String, String> next = new HashMap<>();
    routes.forEach(r -> r.fallback().ifPresent(fb -> next.put(r.name(), fb)));
    for (int i = 0; i < seq.get().items().size(); i++) {
      if (!(seq.get().items().get(i) instanceof YNode.Map rm)) {
        continue;
      }
      String field = Bind.path(Bind.index("inference.routes", i), "fallback");
      Optional<YNode> fbNode = Bind.get(rm, "fallback");
      Optional<String> self = Bind.get(rm, "name").filter(YNode.Scalar.class::isInstance)
          .map(n -> ((YNode.Scalar) n).text());
      if (fbNode.isEmpty() || self.isEmpty() || !next.containsKey(self.get())) {
        continue;
      }
      String fb = next.get(self.get());
      if (fb.equals(self.get())) {
        b.error(fbNode.get(), field, "a route cannot fall back to itself");
      } else if (mustExist(fbNode.get(), field, fb, declared).isPresent()) {
        Set<String> chain = new LinkedHashSet<>(List.of(self.get()));
        String at = fb;
        while (at != null && chain.add(at)) {
          at = next.get(at);
        }
        if (self.get().equals(at)) {
          b.error(fbNode.get(), field, "fallback cycle: " + String.join(" -> ", chain) + " -> "
              + at);
        }
      }
    }
  }

  private Optional<Budget> budget(YNode n, String f) {
    return b.map(n, f, Shape.BUDGET).flatMap(m -> {
      Optional<Long> tokens = b.field(m, f, "tokens", s -> Values.integer(s, 1, Long.MAX_VALUE));
      Optional<BigDecimal> usd = b.field(m, f, "usd", s -> Values.positiveDecimal(s, MAX_USD));
      if (Bind.get(m, "tokens").isEmpty() && Bind.get(m, "usd").isEmpty()) {
        b.error(m, f, "give tokens, usd or both, e.g. {tokens: 2000000, usd: 5.00}");
      }
      return Optional.of(new Budget(tokens.map(OptionalLong::of).orElse(OptionalLong.empty()),
          usd));
    });
  }

  /** Shared with tool rules, whose {@code rateLimit} has the same shape. */
  static Optional<RateLimit> rateLimit(Bind b, YNode n, String f) {
    return b.map(n, f, Shape.RATE_LIMIT).flatMap(m -> {
      b.require(m, f, "requests", "60");
      Optional<Long> requests = b.field(m, f, "requests", s -> Values.integer(s, 1, 1_000_000));
      java.time.Duration per = b.field(m, f, "per", Values::duration)
          .orElse(Defaults.RATE_LIMIT_PER);
      return requests.map(r -> new RateLimit(r.intValue(), per));
    });
  }

  private static URI httpUrl(String s) {
    try {
      URI u = new URI(s);
      if (!u.isAbsolute() || u.getHost() == null
          || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
          || u.getUserInfo() != null || u.getQuery() != null || u.getFragment() != null) {
        throw new URISyntaxException(s, "not an http(s) URL");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + s + "' is not a base URL; allowed: http:// or "
          + "https:// with a host and no credentials, query or fragment, e.g. "
          + "https://integrate.api.nvidia.com/v1");
    }
  }

  private static String nonBlank(String s) {
    if (s.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return s;
  }
}
