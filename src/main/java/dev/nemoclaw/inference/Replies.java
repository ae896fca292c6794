package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Writing whole JSON answers to the agent. */
final class Replies {
  private Replies() {}

  static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = Json.bytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
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
