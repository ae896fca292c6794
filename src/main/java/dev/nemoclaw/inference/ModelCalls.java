package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.Budget;
import dev.nemoclaw.spec.PrivacyScope;
import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.Values;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One model request, from the agent's body to the provider's answer: admission (routes, budget,
 * rate limit, privacy on the prompt), the route and its fallbacks, the calls, the accounting.
 */
final class ModelCalls {
  static final String PEER_EXE = "X-Nemoclaw-Peer-Exe";

  private final GatewayConfig config;
  private final Supplier<HttpClient> http;
  private final Map<String, RouteState> routes = new LinkedHashMap<>();
  /** Each route's failover chain; routes are fixed for the gateway's life. */
  private final Map<RouteState, List<RouteState>> chains = new HashMap<>();
  private final Ledger ledger;
  private final Optional<RateLimiter> rateLimiter;

  ModelCalls(GatewayConfig config, Supplier<HttpClient> http) {
    this.config = config;
    this.http = http;
    config.spec().routes().forEach(r -> routes.put(r.name(),
        new RouteState(r, config.tuning(), config.prices())));
    routes.values().forEach(r -> chains.put(r, chain(r)));
    this.ledger = new Ledger(config.spec().budget());
    this.rateLimiter = config.spec().rateLimit().map(l -> new RateLimiter(l,
        config.tuning().clock()));
  }

  InferenceSnapshot snapshot() {
    return ledger.snapshot(routes.values().stream().map(RouteState::health).toList());
  }

  List<RouteState> routes() {
    return List.copyOf(routes.values());
  }

  /** The agent's request, as far as the gateway needs it. */
  private record Ask(HttpExchange ex, Endpoint endpoint, Optional<String> exe) {}

  /** Why one route did not answer. */
  private sealed interface Failure {
    RouteState route();

    String summary();

    /** No key, or a credentials file that may not be used. */
    record NoKey(RouteState route, String summary) implements Failure {}

    record Open(RouteState route, Instant retryAt) implements Failure {
      @Override
      public String summary() {
        return "route " + route.name() + " is open-circuit after repeated failures"
            + route.health().lastError().map(e -> " (last: " + e + ")").orElse("")
            + "; it is tried again at " + retryAt;
      }
    }

    record Timeout(RouteState route) implements Failure {
      @Override
      public String summary() {
        return "route " + route.name() + " sent no answer within "
            + Values.format(route.route.timeout());
      }
    }

    record Unreachable(RouteState route, String reason) implements Failure {
      @Override
      public String summary() {
        return "route " + route.name() + " could not be reached: " + reason;
      }
    }

    /** The provider answered 5xx or 429; if no other route does better, the agent gets this. */
    record Answered(RouteState route, int status, HttpHeaders headers, byte[] body)
        implements Failure {
      @Override
      public String summary() {
        return "route " + route.name() + " answered HTTP " + status;
      }
    }
  }

  void handle(HttpExchange ex, Endpoint endpoint) throws IOException {
    ledger.request();
    Ask ask = new Ask(ex, endpoint, Optional.ofNullable(ex.getRequestHeaders().getFirst(PEER_EXE)));
    int max = config.tuning().maxRequestBytes();
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readNBytes(max + 1);
    }
    if (raw.length > max) {
      refuse(ask, Optional.empty(), GatewayError.of(413, "too_large", "the request body is over "
          + (max >> 20) + " MiB", "send less at once").notRetryable());
      return;
    }
    String text = new String(raw, StandardCharsets.UTF_8);
    Optional<ObjectNode> parsed = Json.parseObject(text);
    if (parsed.isEmpty()) {
      refuse(ask, Optional.empty(), GatewayError.of(400, "bad_request", "the body of "
          + endpoint.path + " must be a JSON object", "send the provider's JSON request format"));
      return;
    }
    if (routes.isEmpty()) {
      refuse(ask, Optional.empty(), GatewayError.of(503, "no_routes", "this sandbox has no model "
          + "routes", "add inference.routes to agent.yaml (see docs/inference.md)").notRetryable());
      return;
    }
    Optional<InferenceSnapshot.BudgetStatus> budget = ledger.budget();
    if (budget.isPresent() && budget.get().exhausted()) {
      refuse(ask, Optional.empty(), budgetExhausted(config.spec().budget().orElseThrow()));
      return;
    }
    Optional<Duration> wait = rateLimiter.flatMap(RateLimiter::tryAcquire);
    if (wait.isPresent()) {
      refuse(ask, Optional.empty(), rateLimited(rateLimiter.get().limit(), wait.get()));
      return;
    }
    ObjectNode body = parsed.get();
    if (config.privacy().covers(PrivacyScope.INFERENCE)) {
      Verdict v = config.privacy().checkJson(PrivacyScope.INFERENCE, text);
      Findings found = new Findings();
      found.add(v);
      privacyEvent(ask, PrivacyScope.INFERENCE, found, Optional.empty());
      switch (v) {
        case Verdict.Blocked b -> {
          GatewayError e = GatewayError.of(400, "privacy_blocked", "the request contains "
              + String.join(", ", Findings.names(b)) + ", which privacy settings keep from "
              + "leaving", "remove it, or change privacy.action in agent.yaml").notRetryable();
          e.details().set("detectors", Json.MAPPER.valueToTree(Findings.names(b)));
          refuse(ask, Optional.empty(), e);
          return;
        }
        case Verdict.Masked m -> {
          Optional<ObjectNode> masked = Json.parseObject(m.text());
          if (masked.isEmpty()) { // the guard promises JSON in, JSON out; never send unmasked
            refuse(ask, Optional.empty(), GatewayError.of(500, "privacy_failed", "masking the "
                + "request did not leave valid JSON", "report this as a bug").notRetryable());
            return;
          }
          body = masked.get();
        }
        default -> { }
      }
    }
    RouteState chosen = choose(body.path("model").asText(""));
    boolean stream = body.path("stream").asBoolean(false);
    if (stream && endpoint.usageOnRequest && !body.has("stream_options")) {
      body.putObject("stream_options").put("include_usage", true);
    }
    List<RouteState> chain = chains.get(chosen);
    List<Failure> failures = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      Optional<Failure> f = attempt(ask, chain.get(i), chosen, body, stream);
      if (f.isEmpty()) {
        return;
      }
      failures.add(f.get());
      if (i + 1 < chain.size()) {
        emit(new InferenceEvent.Failover(now(), endpoint.path, chain.get(i).name(),
            chain.get(i + 1).name(), f.get().summary()));
      }
    }
    answerFailure(ask, chosen, failures);
  }

  /** By route name, then by route model, then the default route. */
  private RouteState choose(String model) {
    RouteState byName = routes.get(model);
    if (byName != null) {
      return byName;
    }
    return routes.values().stream().filter(r -> r.route.model().equals(model)).findFirst()
        .orElseGet(() -> routes.get(config.spec().defaultRoute().orElseThrow()));
  }

  /** The route and its fallbacks in order (the spec rules out cycles; the guard is cheap). */
  private List<RouteState> chain(RouteState first) {
    List<RouteState> chain = new ArrayList<>(List.of(first));
    for (Optional<String> next = first.route.fallback(); next.isPresent()
        && chain.size() <= routes.size(); ) {
      RouteState r = routes.get(next.get());
      if (r == null || chain.contains(r)) {
        break;
      }
      chain.add(r);
      next = r.route.fallback();
    }
    return List.copyOf(chain);
  }

  /** One route; empty when it answered (the agent has its answer), else why it did not. */
  private Optional<Failure> attempt(Ask ask, RouteState r, RouteState chosen, ObjectNode body,
      boolean stream) throws IOException {
    Optional<String> key = Optional.empty();
    if (r.route.apiKeyEnv().isPresent()) {
      String var = r.route.apiKeyEnv().get();
      try {
        key = config.credentials().lookup(var);
        if (key.isEmpty()) {
          return Optional.of(noKey(r, "route " + r.name() + " needs the key " + var
              + ", found in neither " + config.credentials().describe()));
        }
        // checked here so that no header error can ever quote it
        if (!key.get().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
          return Optional.of(noKey(r, "route " + r.name() + " needs the key " + var
              + ", whose value holds spaces, control or non-ASCII characters"));
        }
      } catch (CredentialsException e) {
        return Optional.of(noKey(r, "route " + r.name() + " needs the key " + var + ": "
            + e.getMessage()));
      }
    }
    if (!r.breaker.tryAcquire()) {
      return Optional.of(new Failure.Open(r, r.breaker.retryAt().orElse(now())));
    }
    body.put("model", r.route.model());
    var request = Upstream.request(r.route, Upstream.uri(r.route.baseUrl(), ask.endpoint().path,
        Optional.ofNullable(ask.ex().getRequestURI().getRawQuery())), ask.ex().getRequestHeaders(),
        Json.bytes(body), key);
    long start = System.nanoTime();
    HttpResponse<InputStream> resp;
    try {
      resp = http.get().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      return Optional.of(failedCall(ask, r, chosen, 0, start, stream, new Failure.Timeout(r)));
    } catch (IOException e) {
      return Optional.of(failedCall(ask, r, chosen, 0, start, stream,
          new Failure.Unreachable(r, reason(e))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling route " + r.name(), e);
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - start);
    int status = resp.statusCode();
    if (status >= 500 || status == 429) {
      byte[] err;
      try (InputStream in = resp.body()) {
        err = in.readNBytes(1 << 20);
      } catch (IOException e) {
        err = new byte[0];
      }
      return Optional.of(failedCall(ask, r, chosen, status, start, stream,
          new Failure.Answered(r, status, resp.headers(), Relay.scrub(err, key))));
    }
    r.breaker.success(latency);
    Findings output = new Findings();
    new Relay(config.privacy(), output, key, res -> {
      privacyEvent(ask, PrivacyScope.OUTPUT, output, Optional.of(r.name()));
      // a 4xx costs nothing; a 2xx answer costs tokens even when privacy kept it from the agent
      Usage usage = status / 100 != 2 ? Usage.NONE
          : res.reported().orElseGet(() -> new Usage(Usage.estimate(Usage.textChars(body)),
              Usage.estimate(res.answerChars()), true));
      account(ask, r, chosen, status, usage, latency, stream, res.error());
    }).relay(ask.ex(), resp);
    return Optional.empty();
  }

  private Failure noKey(RouteState r, String message) {
    r.failed(message);
    return new Failure.NoKey(r, message);
  }

  private Failure failedCall(Ask ask, RouteState r, RouteState chosen, int status, long start,
      boolean stream, Failure f) {
    r.breaker.failure();
    account(ask, r, chosen, status, Usage.NONE, Duration.ofNanos(System.nanoTime() - start),
        stream, Optional.of(f instanceof Failure.Answered a ? "HTTP " + a.status()
            : f.summary()));
    return f;
  }

  private void account(Ask ask, RouteState r, RouteState chosen, int status, Usage usage,
      Duration latency, boolean stream, Optional<String> error) {
    String model = r.route.model();
    Optional<PriceTable.Price> price = r.price;
    BigDecimal usd = price.map(p -> p.cost(usage.prompt(), usage.completion()))
        .orElse(BigDecimal.ZERO);
    boolean unpriced = price.isEmpty() && usage.total() > 0;
    Optional<String> note = unpriced ? Optional.of("no price for " + r.provider() + " model "
        + model + " in the price table" + (config.spec().budget().flatMap(Budget::usd).isPresent()
            ? ": this call's cost is not counted against inference.budget.usd; add the model "
                + "to prices.json in the nemoclaw config directory" : ""))
        : Optional.empty();
    ledger.add(usage, usd, unpriced);
    r.called(usage, usd, error);
    emit(new InferenceEvent.Call(now(), ask.endpoint().path, r.name(), r.provider(), model,
        status, usage.prompt(), usage.completion(), usage.estimated(), usd, unpriced,
        latency.toMillis(), stream, r == chosen ? Optional.empty() : Optional.of(chosen.name()),
        error, note, ask.exe()));
  }

  /** Every route failed: the last failure decides the answer; the message names them all. */
  private void answerFailure(Ask ask, RouteState chosen, List<Failure> failures)
      throws IOException {
    Failure last = failures.getLast();
    if (last instanceof Failure.Answered a) {
      Upstream.copyBack(a.headers(), ask.ex().getResponseHeaders());
      Replies.bytes(ask.ex(), a.status(), a.body());
      return;
    }
    String all = failures.stream().map(Failure::summary).collect(Collectors.joining("; "));
    GatewayError e = switch (last) {
      case Failure.NoKey k -> {
        String var = k.route().route.apiKeyEnv().orElse("the key");
        yield GatewayError.of(503, "missing_credentials", all, "export " + var + "=... in the "
            + "shell that runs nemoclaw, or add " + var + "=... to the nemoclaw credentials file "
            + "(mode 600); the sandbox never sees it").notRetryable();
      }
      case Failure.Open o -> GatewayError.of(503, "route_unavailable", all, "wait, or give the "
          + "route a fallback (inference.routes[].fallback)").retryAfter(
              Duration.between(now(), o.retryAt()));
      case Failure.Timeout t -> GatewayError.of(504, "upstream_timeout", all, "raise the route's "
          + "timeout in agent.yaml, or give it a fallback");
      case Failure.Unreachable u -> GatewayError.of(502, "upstream_unreachable", all, "check the "
          + "route's baseUrl and the host's network");
      case Failure.Answered a -> throw new IllegalStateException("answered above");
    };
    refuse(ask, Optional.of(chosen.name()), e);
  }

  private GatewayError budgetExhausted(Budget b) {
    long tokens = ledger.tokens();
    BigDecimal usd = ledger.usd();
    List<String> spent = new ArrayList<>();
    b.tokens().ifPresent(t -> spent.add(tokens + " of " + t + " tokens"));
    b.usd().ifPresent(u -> spent.add("$" + usd.toPlainString() + " of $" + u.toPlainString()));
    GatewayError e = GatewayError.of(429, "budget_exhausted", "this run's inference budget is "
        + "spent (" + String.join(", ", spent) + ")", "raise inference.budget in agent.yaml and "
        + "start the run again").notRetryable();
    ObjectNode limit = e.details().putObject("budget");
    b.tokens().ifPresent(t -> limit.put("tokens", t));
    b.usd().ifPresent(u -> limit.put("usd", u));
    ObjectNode used = e.details().putObject("spent");
    used.put("tokens", tokens).put("usd", usd);
    return e;
  }

  private static GatewayError rateLimited(RateLimit l, Duration wait) {
    GatewayError e = GatewayError.of(429, "rate_limited", "at most " + l.requests()
        + " model requests per " + Values.format(l.per()) + " in this run; the next one may go in "
        + GatewayError.seconds(wait) + " s", "slow down, or raise inference.rateLimit in "
        + "agent.yaml").retryAfter(wait);
    e.details().putObject("rateLimit").put("requests", l.requests())
        .put("per", Values.format(l.per()));
    return e;
  }

  private void refuse(Ask ask, Optional<String> route, GatewayError e) throws IOException {
    ledger.refused();
    emit(new InferenceEvent.Refused(now(), ask.endpoint().path, e.code(), e.status(), route,
        e.message(), ask.exe()));
    Replies.error(ask.ex(), e);
  }

  private void privacyEvent(Ask ask, PrivacyScope scope, Findings f, Optional<String> route) {
    if (!f.isEmpty()) {
      emit(new InferenceEvent.PrivacyFinding(now(), ask.endpoint().path, scope, f.action(),
          f.counts(), route));
    }
  }

  /** A failing sink must not fail the agent's call. */
  void emit(InferenceEvent e) {
    try {
      config.events().accept(e);
    } catch (RuntimeException ignored) {
      // the event is lost; the call goes on
    }
  }

  private Instant now() {
    return config.tuning().clock().instant();
  }

  /**
   * An exception and its causes, each by message or else by class (the JDK's ConnectException
   * often has no message): "ConnectException: Connection refused".
   */
  private static String reason(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
      String part = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
      if (!sb.toString().contains(part)) {
        sb.append(sb.isEmpty() ? "" : ": ").append(part);
      }
    }
    return sb.toString();
  }
}
