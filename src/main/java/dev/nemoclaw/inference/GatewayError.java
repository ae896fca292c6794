package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;

/**
 * An answer the gateway gives itself instead of a provider's. The body carries the code twice on
 * purpose: {@code error} is an object {@code {type, code, message}} because that is all the
 * OpenAI and Anthropic SDKs (Python and Node) show of an error body — with a plain string there,
 * openai-node prints only {@code 429 "budget_exhausted"} — and {@code error.message} ends with the
 * hint so the agent's log says what to do. The top level repeats {@code message} and
 * {@code hint} and adds the details ({@code budget}, {@code spent}, {@code detectors}, …) for
 * people reading it with curl. See docs/inference.md.
 */
record GatewayError(int status, String code, String message, String hint, ObjectNode details,
    Optional<Duration> retryAfter, boolean retryable) {

  static GatewayError of(int status, String code, String message, String hint) {
    return new GatewayError(status, code, message, hint, Json.object(), Optional.empty(),
        status == 429 || status >= 500);
  }

  GatewayError retryAfter(Duration d) {
    return new GatewayError(status, code, message, hint, details, Optional.of(d), true);
  }

  /** Tells the SDKs (they honour {@code x-should-retry}) that asking again will not help. */
  GatewayError notRetryable() {
    return new GatewayError(status, code, message, hint, details, retryAfter, false);
  }

  ObjectNode body() {
    ObjectNode n = Json.object().put("type", "error");
    n.putObject("error").put("type", code).put("code", code)
        .put("message", hint.isEmpty() ? message : message + " — " + hint);
    n.put("message", message);
    if (!hint.isEmpty()) {
      n.put("hint", hint);
    }
    retryAfter.ifPresent(d -> n.put("retryAfterSeconds", seconds(d)));
    n.setAll(details);
    return n;
  }

  /** Whole seconds, rounded up, at least 1: what {@code Retry-After} can say. */
  static long seconds(Duration d) {
    long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
    return Math.max(1, s);
  }
}
