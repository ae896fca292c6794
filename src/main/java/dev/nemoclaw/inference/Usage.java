package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;

/** Tokens one call used, as the provider reported them or, failing that, estimated. */
record Usage(long prompt, long completion, boolean estimated) {
  static final Usage NONE = new Usage(0, 0, false);

  long total() {
    return prompt + completion;
  }

  /**
   * The usage in an answer or one stream event, wherever the API puts it: {@code usage} (OpenAI,
   * Anthropic answers, Anthropic {@code message_delta}), {@code message.usage} (Anthropic
   * {@code message_start}), {@code response.usage} (Responses API {@code response.completed}).
   * Anthropic's cache reads and writes count as prompt tokens: a budget errs on the safe side.
   */
  static Optional<Usage> in(JsonNode event) {
    for (JsonNode u : new JsonNode[] {event.path("usage"), event.path("message").path("usage"),
        event.path("response").path("usage")}) {
      if (u.isObject()) {
        long prompt = first(u, "prompt_tokens", "input_tokens")
            + u.path("cache_read_input_tokens").asLong(0)
            + u.path("cache_creation_input_tokens").asLong(0);
        long completion = first(u, "completion_tokens", "output_tokens");
        if (u.has("prompt_tokens") || u.has("input_tokens") || u.has("completion_tokens")
            || u.has("output_tokens")) {
          return Optional.of(new Usage(prompt, completion, false));
        }
      }
    }
    return Optional.empty();
  }

  private static long first(JsonNode u, String a, String b) {
    return u.has(a) ? u.path(a).asLong(0) : u.path(b).asLong(0);
  }

  /**
   * Streams report usage in pieces (Anthropic: input in {@code message_start}, the running output
   * count in each {@code message_delta}); each figure only grows, so the largest seen is the total.
   */
  Usage max(Usage o) {
    return new Usage(Math.max(prompt, o.prompt), Math.max(completion, o.completion), false);
  }

  /** The text fields of requests and answers; their length / 4 estimates tokens. */
  private static final Set<String> TEXT = Set.of("content", "text", "delta", "input", "prompt",
      "instructions", "system", "arguments", "partial_json", "thinking", "refusal");

  /** Characters of text in a request or answer (JSON structure and ids not counted). */
  static long textChars(JsonNode n) {
    long chars = 0;
    for (var it = n.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      JsonNode v = e.getValue();
      if (v.isTextual() && TEXT.contains(e.getKey())) {
        chars += v.asText().length();
      } else if (v.isContainerNode()) {
        chars += textChars(v);
      }
    }
    if (n.isArray()) {
      for (JsonNode v : n) {
        chars += v.isTextual() ? v.asText().length() : textChars(v);
      }
    }
    return chars;
  }

  static long estimate(long chars) {
    return (chars + 3) / 4;
  }
}
