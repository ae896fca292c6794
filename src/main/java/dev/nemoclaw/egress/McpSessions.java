package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The older MCP "HTTP+SSE" transport: the client POSTs its JSON-RPC requests to a messages
 * endpoint the server named in an {@code endpoint} event of a GET SSE stream, the POST gets 202,
 * and the response comes on that stream — another exchange, often another connection. What a
 * response needs (redaction, a filtered tools/list) is parked here under the host, the endpoint
 * the POST goes to and the JSON-RPC id as the request goes out (the answer may come on the
 * stream before the POST's 202 does), and the stream's filter ({@link #stream}) learns its
 * endpoint from the {@code endpoint} event and takes what is parked for it. One per proxy;
 * bounded, and entries not claimed within {@link #TTL_NANOS} are dropped.
 */
final class McpSessions {
  static final int MAX = 10_000;
  static final long TTL_NANOS = 10L * 60 * 1_000_000_000;

  private record Parked(McpReply reply, long at) {}

  private final ConcurrentHashMap<String, Parked> parked = new ConcurrentHashMap<>();

  private static String key(String host, String endpoint, String id) {
    return host + " " + endpoint + " " + id;
  }

  /** What the responses to {@code reply}'s requests, POSTed to {@code endpoint}, will need. */
  void park(String host, String endpoint, McpReply reply) {
    long now = System.nanoTime();
    if (parked.size() >= MAX) {
      parked.values().removeIf(p -> now - p.at() > TTL_NANOS);
    }
    List<String> ids = new ArrayList<>(reply.redactions().keySet());
    ids.addAll(reply.lists());
    for (String id : ids) {
      if (parked.size() < MAX) {
        parked.put(key(host, endpoint, id), new Parked(reply, now));
      }
    }
  }

  /** The POST's own response carries the answers (streamable HTTP): nothing waits for them. */
  void unpark(String host, String endpoint, McpReply reply) {
    List<String> ids = new ArrayList<>(reply.redactions().keySet());
    ids.addAll(reply.lists());
    for (String id : ids) {
      parked.computeIfPresent(key(host, endpoint, id), (k, p) -> p.reply() == reply ? null : p);
    }
  }

  int size() {
    return parked.size();
  }

  /** A filter for one GET SSE stream from {@code host}. */
  McpReply.Sse stream(String host, int limit) {
    String[] endpoint = {null};
    return new McpReply.Sse((type, data) -> {
      if (type.equals("endpoint")) {
        endpoint[0] = endpointOf(data);
        return Optional.empty();
      }
      if (endpoint[0] == null || parked.isEmpty() || !McpReply.mayBeResponse(data)) {
        return Optional.empty();
      }
      JsonNode root;
      try {
        root = EgressEvent.Json.MAPPER.readTree(data.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        return Optional.empty();
      }
      boolean changed = false;
      for (JsonNode m : root instanceof ArrayNode a ? a : List.of(root)) {
        if (m == null || !m.has("id") || m.has("method")) {
          continue;
        }
        Parked p = parked.remove(key(host, endpoint[0], McpGovernor.idKey(m.get("id"))));
        if (p != null) {
          changed |= p.reply().rewriteOne(m);
        }
      }
      return changed ? Optional.of(root.toString()) : Optional.empty();
    }, limit);
  }

  /** The origin-form target of an endpoint event's URL (relative, or absolute on the host). */
  static String endpointOf(String data) {
    String d = data.trim();
    String lower = d.toLowerCase(Locale.ROOT);
    for (String scheme : new String[] {"http://", "https://"}) {
      if (lower.startsWith(scheme)) {
        int slash = d.indexOf('/', scheme.length());
        d = slash >= 0 ? d.substring(slash) : "/";
      }
    }
    int hash = d.indexOf('#');
    return hash >= 0 ? d.substring(0, hash) : d;
  }
}
