package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Writing whole answers to the agent. */
final class Replies {
  private Replies() {}

  static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    bytes(ex, status, Json.bytes(body));
  }

  /** A whole body, its headers already set (a provider's answer passed on). */
  static void bytes(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  static void error(HttpExchange ex, GatewayError e) throws IOException {
    e.retryAfter().ifPresent(d -> ex.getResponseHeaders().set("Retry-After",
        Long.toString(GatewayError.seconds(d))));
    if (!e.retryable()) {
      ex.getResponseHeaders().set("x-should-retry", "false");
    }
    json(ex, e.status(), e.body());
  }
}
