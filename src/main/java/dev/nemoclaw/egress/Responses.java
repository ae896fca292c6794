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
import java.util.Collection;

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

  /** The fields every answer about a destination starts with. */
  private static ObjectNode about(String error, Destination d) {
    ObjectNode n = EgressEvent.Json.MAPPER.createObjectNode();
    n.put("error", error);
    n.put("host", d.host());
    n.put("port", d.port());
    return n;
  }

  /** 403, marked as a denial for clients that read the header rather than the body. */
  private static FullHttpResponse refusal(ObjectNode body) {
    FullHttpResponse r = json(HttpResponseStatus.FORBIDDEN, body);
    r.headers().set(DECISION_HEADER, "deny");
    return r;
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
    ObjectNode n = about("policy_denied", d);
    n.put("rule", rule);
    n.put("reason", reason);
    n.put("hint", hint);
    return refusal(n);
  }

  /** A body privacy screening refuses to let out; like a policy refusal, marked as a denial. */
  static FullHttpResponse privacyBlocked(Destination d, Collection<String> detectors) {
    ObjectNode n = about("privacy_blocked", d);
    detectors.forEach(n.putArray("detectors")::add);
    n.put("reason", "the request body holds data the privacy settings block ("
        + String.join(", ", detectors) + "); nothing was sent to " + d.authority());
    n.put("hint", "leave that data out of the request, or change privacy.action or"
        + " privacy.scope in agent.yaml");
    return refusal(n);
  }

  /** A body privacy screening would have to read is larger than it reads. */
  static FullHttpResponse tooLargeToScan(Destination d, int limit) {
    ObjectNode n = about("body_too_large_to_scan", d);
    n.put("limit", limit);
    n.put("reason", "privacy screening is on for egress (privacy.scope: egress) and reads request"
        + " bodies of up to " + limit + " bytes; this one is larger, so it was refused rather"
        + " than sent unscanned");
    n.put("hint", "send it in smaller requests, or take egress out of privacy.scope in"
        + " agent.yaml");
    return json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, n);
  }

  /**
   * A JSON body MCP governance would have to read (a possible tools/call) is larger than it
   * reads; privacy screening is off, so the reason names the tool rules.
   */
  static FullHttpResponse tooLargeToGovern(Destination d, int limit) {
    ObjectNode n = about("body_too_large_to_scan", d);
    n.put("limit", limit);
    n.put("reason", "MCP tool calls crossing the proxy are governed, so JSON request bodies of up"
        + " to " + limit + " bytes are read; this one is larger, so it was refused rather than"
        + " sent unchecked");
    n.put("hint", "send it in smaller requests");
    return json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, n);
  }

  static FullHttpResponse error(
      HttpResponseStatus status, String error, Destination d, String reason) {
    ObjectNode n = about(error, d);
    n.put("reason", reason);
    return json(status, n);
  }

  static FullHttpResponse error(HttpResponseStatus status, String error, String reason) {
    return json(status, body(error, reason));
  }
}
