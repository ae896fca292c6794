package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** Feed events in the shapes of docs/control-protocol.md, for tests. */
final class Events {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

  private Events() {}

  static ObjectNode approval(String sandbox, String id, String host, int secondsAfterT0) {
    ObjectNode a = JSON.createObjectNode();
    a.put("id", id).put("sandbox", sandbox).put("kind", "egress").put("host", host)
        .put("port", 443).put("binary", "/usr/bin/curl").put("pid", 12).putNull("method")
        .putNull("path").put("detail", "CONNECT " + host + ":443").put("hits", 1)
        .put("createdAt", T0.plusSeconds(secondsAfterT0).toString())
        .put("expiresAt", T0.plusSeconds(secondsAfterT0 + 60).toString()).putNull("warning")
        .put("rule", "{host: " + host + ", ports: [443]}");
    return a;
  }

  static ObjectNode up(String sandbox, ObjectNode... approvals) {
    ObjectNode e = JSON.createObjectNode().put("event", "sandbox.up").put("sandbox", sandbox);
    e.putObject("status").put("name", sandbox).put("backend", "native").put("pid", 4242)
        .put("startedAt", T0.toString()).put("uptimeMs", 65_000).put("memoryBytes", 52_428_800)
        .put("cpuSeconds", 1.5).put("pids", 3).put("pending", approvals.length);
    ArrayNode list = e.putArray("approvals");
    for (ObjectNode a : approvals) {
      list.add(a);
    }
    return e;
  }

  static ObjectNode down(String sandbox) {
    return JSON.createObjectNode().put("event", "sandbox.down").put("sandbox", sandbox);
  }

  static ObjectNode newApproval(ObjectNode approval) {
    ObjectNode e = JSON.createObjectNode().put("event", "approval.new")
        .put("sandbox", approval.path("sandbox").asText());
    e.set("approval", approval);
    return e;
  }

  static ObjectNode updated(ObjectNode approval) {
    ObjectNode e = newApproval(approval);
    e.put("event", "approval.updated");
    return e;
  }

  static ObjectNode decided(String sandbox, String id, String verdict, String by, String channel) {
    return JSON.createObjectNode().put("event", "approval.decided").put("sandbox", sandbox)
        .put("approval", id).put("verdict", verdict).put("by", by).put("channel", channel)
        .put("at", T0.plusSeconds(30).toString());
  }

  static ObjectNode expired(String sandbox, String id) {
    return JSON.createObjectNode().put("event", "approval.expired").put("sandbox", sandbox)
        .put("approval", id);
  }

  static ObjectNode egress(String sandbox, String decision, String host, int port) {
    return JSON.createObjectNode().put("event", "egress").put("sandbox", sandbox)
        .put("time", T0.plusSeconds(5).toString()).put("kind", "decision").put("pid", 12)
        .put("exe", "/usr/bin/curl").put("host", host).put("port", port).put("method", "GET")
        .put("path", "/raw/x").put("decision", decision)
        .put("rule", decision.equals("allow") ? "network.allow[0] " + host : "network.deny[0]")
        .put("reason", decision.equals("allow") ? "allowed" : "denied by rule");
  }

  static ObjectNode stats(String sandbox, long uptimeMs, double cpuSeconds, long memory) {
    return JSON.createObjectNode().put("event", "stats").put("sandbox", sandbox)
        .put("uptimeMs", uptimeMs).put("cpuSeconds", cpuSeconds).put("memoryBytes", memory)
        .put("pids", 4);
  }
}
