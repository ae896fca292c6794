package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The proxy's own answers: always JSON, always saying what happened and what to do. */
final class Responses {
  static final String DECISION_HEADER = "X-Nemoclaw-Decision";

  private Responses() {}

  static ObjectNode body(String error, String reason) {
    ObjectNode n = EgressEvent.Json.MAPPER.createObjectNode();
    n.put("error", error);
    n.put("reason", reason);
    return n;
  }

  static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
    byte[] bytes = (body.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return r;
  }

  /** The contract's 403 (CONTRACT §3). */
  static FullHttpResponse denied(Destination d, String rule, String reason, String hint) {
    ObjectNode n = EgressEvent.Json.MAPPER.createObjectNode();
    n.put("error", "policy_denied");
    n.put("host", d.host());
    n.put("port", d.port());
    n.put("rule", rule);
    n.put("reason", reason);
    n.put("hint", hint);
    FullHttpResponse r = json(HttpResponseStatus.FORBIDDEN, n);
    r.headers().set(DECISION_HEADER, "deny");
    return r;
  }

  static FullHttpResponse error(
      HttpResponseStatus status, String error, Destination d, String reason) {
    ObjectNode n = EgressEvent.Json.MAPPER.createObjectNode();
    n.put("error", error);
    n.put("host", d.host());
    n.put("port", d.port());
    n.put("reason", reason);
    return json(status, n);
  }

  static FullHttpResponse error(HttpResponseStatus status, String error, String reason) {
    return json(status, body(error, reason));
  }
}
