package dev.nemoclaw.inference;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The gateway's totals for this run, for {@code ps}, {@code term} and the run report.
 * {@code requests} counts every model request the agent made (GET /v1/models excluded);
 * {@code refused} those the gateway answered itself with an error (budget, rate limit, privacy,
 * no route, every route failed). {@code usd} counts priced calls only; {@code unpricedCalls} used
 * tokens of a model the price table does not know. {@code estimatedCalls} had no usage from the
 * provider and were counted as characters / 4.
 */
public record InferenceSnapshot(
    long requests,
    long refused,
    long promptTokens,
    long completionTokens,
    BigDecimal usd,
    long unpricedCalls,
    long estimatedCalls,
    Optional<BudgetStatus> budget,
    List<RouteHealth> routes) {

  public InferenceSnapshot {
    routes = List.copyOf(routes);
  }

  public long tokens() {
    return promptTokens + completionTokens;
  }

  /** {@code inference.budget} against what this run spent; {@code exhausted}: every call refused. */
  public record BudgetStatus(
      OptionalLong tokens,
      OptionalLong tokensRemaining,
      Optional<BigDecimal> usd,
      Optional<BigDecimal> usdRemaining,
      boolean exhausted) {

    @JsonValue
    public ObjectNode toJson() {
      ObjectNode n = Json.object();
      tokens.ifPresent(t -> n.put("tokens", t));
      tokensRemaining.ifPresent(t -> n.put("tokensRemaining", t));
      usd.ifPresent(u -> n.put("usd", u));
      usdRemaining.ifPresent(u -> n.put("usdRemaining", u));
      return n.put("exhausted", exhausted);
    }
  }

  /** Stable field names (absent optionals left out); plain Jackson serializes it so too. */
  @JsonValue
  public ObjectNode toJson() {
    ObjectNode n = Json.object().put("requests", requests).put("refused", refused)
        .put("promptTokens", promptTokens).put("completionTokens", completionTokens)
        .put("tokens", tokens()).put("usd", usd).put("unpricedCalls", unpricedCalls)
        .put("estimatedCalls", estimatedCalls);
    budget.ifPresent(b -> n.set("budget", b.toJson()));
    var list = n.putArray("routes");
    routes.forEach(r -> list.add(r.toJson()));
    return n;
  }
}
