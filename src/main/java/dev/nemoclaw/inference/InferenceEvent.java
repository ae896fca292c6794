package dev.nemoclaw.inference;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.spec.PrivacyScope;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the gateway did, for the run's event log, {@code term} and the audit log. The sink in
 * {@link GatewayConfig#events()} receives them from request threads, so it must be thread-safe
 * and quick. {@link #toJson()} has stable field names and a {@code type} (call, failover, refused,
 * privacy); any Jackson mapper serializes an event to exactly that. No event ever holds a key,
 * a prompt, an answer or a matched privacy value.
 */
public sealed interface InferenceEvent {
  Instant time();

  /** The model endpoint asked, e.g. {@code /v1/chat/completions}. */
  String endpoint();

  @JsonValue
  ObjectNode toJson();

  default String toJsonLine() {
    return toJson().toString();
  }

  /**
   * One exchange with a provider (every attempt, including failed ones). {@code status} is the
   * provider's HTTP status, 0 when none arrived (see {@code error}). {@code model} is the model
   * sent upstream. {@code failedOverFrom}: the route the request chose when another one served
   * it. {@code unpriced}: the price table does not know the model, so {@code usd} is 0 and the
   * call did not count against a usd budget ({@code note} then says so).
   */
  record Call(
      Instant time,
      String endpoint,
      String route,
      String provider,
      String model,
      int status,
      long promptTokens,
      long completionTokens,
      boolean estimated,
      BigDecimal usd,
      boolean unpriced,
      long latencyMs,
      boolean streamed,
      Optional<String> failedOverFrom,
      Optional<String> error,
      Optional<String> note,
      Optional<String> peerExe)
      implements InferenceEvent {

    @Override
    public ObjectNode toJson() {
      ObjectNode n = base(this, "call").put("route", route).put("provider", provider)
          .put("model", model).put("status", status).put("promptTokens", promptTokens)
          .put("completionTokens", completionTokens).put("estimated", estimated).put("usd", usd)
          .put("unpriced", unpriced).put("latencyMs", latencyMs).put("streamed", streamed);
      failedOverFrom.ifPresent(f -> n.put("failedOverFrom", f));
      error.ifPresent(e -> n.put("error", e));
      note.ifPresent(e -> n.put("note", e));
      peerExe.ifPresent(e -> n.put("peerExe", e));
      return n;
    }
  }

  /** A route failed or was skipped, and the request moves on to {@code to}. */
  record Failover(Instant time, String endpoint, String from, String to, String reason)
      implements InferenceEvent {
    @Override
    public ObjectNode toJson() {
      return base(this, "failover").put("from", from).put("to", to).put("reason", reason);
    }
  }

  /**
   * The gateway answered the agent itself: {@code code} is the error code of the JSON body
   * ({@code budget_exhausted}, {@code rate_limited}, {@code privacy_blocked},
   * {@code privacy_blocked_output}, {@code no_routes}, {@code missing_credentials},
   * {@code route_unavailable}, {@code upstream_timeout}, {@code upstream_unreachable}, …).
   */
  record Refused(
      Instant time,
      String endpoint,
      String code,
      int status,
      Optional<String> route,
      String message,
      Optional<String> peerExe)
      implements InferenceEvent {
    @Override
    public ObjectNode toJson() {
      ObjectNode n = base(this, "refused").put("code", code).put("status", status);
      route.ifPresent(r -> n.put("route", r));
      n.put("message", message);
      peerExe.ifPresent(e -> n.put("peerExe", e));
      return n;
    }
  }

  /**
   * Privacy detectors matched a prompt ({@code inference}) or an answer ({@code output}):
   * how many times each detector matched, and what was done ({@code audit}, {@code mask},
   * {@code block}). Never the matched text.
   */
  record PrivacyFinding(
      Instant time,
      String endpoint,
      PrivacyScope scope,
      String action,
      Map<String, Integer> detectors,
      Optional<String> route)
      implements InferenceEvent {
    public PrivacyFinding {
      detectors = Map.copyOf(detectors);
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode n = base(this, "privacy").put("scope", scope.yaml()).put("action", action);
      ObjectNode d = n.putObject("detectors");
      new TreeMap<>(detectors).forEach(d::put);
      route.ifPresent(r -> n.put("route", r));
      return n;
    }
  }

  private static ObjectNode base(InferenceEvent e, String type) {
    return Json.object().put("type", type).put("time", e.time().toString())
        .put("endpoint", e.endpoint());
  }
}
