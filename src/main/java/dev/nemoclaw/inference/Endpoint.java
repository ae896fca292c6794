package dev.nemoclaw.inference;

import java.util.Arrays;
import java.util.Optional;

/** The model calls inference.local forwards (all POST with a JSON body naming a model). */
enum Endpoint {
  CHAT("/v1/chat/completions", true),
  COMPLETIONS("/v1/completions", true),
  RESPONSES("/v1/responses", false),
  EMBEDDINGS("/v1/embeddings", false),
  MESSAGES("/v1/messages", false);

  final String path;
  /** OpenAI sends usage in a stream only when asked with {@code stream_options.include_usage}. */
  final boolean usageOnRequest;

  Endpoint(String path, boolean usageOnRequest) {
    this.path = path;
    this.usageOnRequest = usageOnRequest;
  }

  static Optional<Endpoint> of(String path) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return Arrays.stream(values()).filter(e -> e.path.equals(p)).findFirst();
  }
}
