package dev.nemoclaw.inference;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * One route as {@code ps}, {@code term} and the report show it. {@code state} is {@code closed}
 * (calls go through), {@code open} (skipped until {@code retryAt}) or {@code half-open} (the next
 * call is a probe). {@code calls} counts calls that reached the provider; {@code failures} also
 * counts attempts that never left (missing credentials). {@code lastError} never holds a key.
 */
public record RouteHealth(
    String name,
    String provider,
    String model,
    String state,
    long calls,
    long failures,
    Optional<String> lastError,
    Optional<Instant> retryAt,
    long promptTokens,
    long completionTokens,
    BigDecimal usd) {

  @JsonValue
  public ObjectNode toJson() {
    ObjectNode n = Json.object().put("name", name).put("provider", provider).put("model", model)
        .put("state", state).put("calls", calls).put("failures", failures);
    lastError.ifPresent(e -> n.put("lastError", e));
    retryAt.ifPresent(t -> n.put("retryAt", t.toString()));
    return n.put("promptTokens", promptTokens).put("completionTokens", completionTokens)
        .put("usd", usd);
  }
}
