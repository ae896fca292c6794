package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the response to a governed MCP request needs: the results of calls whose verdict asked for
 * redaction go through {@link ToolGate#redact}, and {@code tools/list} results lose the tools
 * {@link ToolGate#listed} hides. It works on one JSON-RPC message or batch at a time; the response
 * body is either such JSON whole, or an SSE stream whose {@code data:} events carry them
 * ({@link Sse}). Responses with other ids pass untouched.
 */
final class McpReply {
  private final ToolGate gate;
  private final String server;
  /** JSON-RPC ids ({@link McpGovernor#idKey}) of calls to redact → their tool. */
  private final Map<String, String> redact;
  /** JSON-RPC ids of tools/list requests. */
  private final Set<String> lists;

  McpReply(ToolGate gate, String server, Map<String, String> redact, Set<String> lists) {
    this.gate = gate;
    this.server = server;
    this.redact = Map.copyOf(redact);
    this.lists = Set.copyOf(lists);
  }

  /** Whether any response needs anything done. */
  boolean needed() {
    return !redact.isEmpty() || !lists.isEmpty();
  }

  Map<String, String> redactions() {
    return redact;
  }

  Set<String> lists() {
    return lists;
  }

  /** The JSON body re-written, or empty when nothing in it changed (or it is not JSON). */
  Optional<byte[]> rewriteJson(byte[] body) {
    JsonNode root;
    try {
      root = EgressEvent.Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (root == null || !rewrite(root)) {
      return Optional.empty();
    }
    return Optional.of(root.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Re-writes the responses in one message or batch in place; true when anything changed. */
  boolean rewrite(JsonNode root) {
    if (!needed()) {
      return false;
    }
    boolean changed = false;
    if (root instanceof ArrayNode a) {
      for (JsonNode m : a) {
        changed |= rewriteOne(m);
      }
      return changed;
    }
    return rewriteOne(root);
  }

  boolean rewriteOne(JsonNode m) {
    if (!(m instanceof ObjectNode o) || !o.has("id") || !o.has("result") || o.has("method")) {
      return false;
    }
    String id = McpGovernor.idKey(o.get("id"));
    String tool = redact.get(id);
    if (tool != null) {
      o.set("result", gate.redact(server, tool, o.get("result")));
      return true;
    }
    if (lists.contains(id) && o.get("result").path("tools") instanceof ArrayNode tools) {
      boolean changed = false;
      for (int i = tools.size() - 1; i >= 0; i--) {
        JsonNode t = tools.get(i);
        if (!gate.listed(server, t.path("name").asText())) {
          tools.remove(i);
          changed = true;
        }
      }
      return changed;
    }
    return false;
  }

  /** Whether an SSE event's data may be a JSON-RPC response worth parsing. */
  static boolean mayBeResponse(String data) {
    return data.startsWith("{") || data.startsWith("[");
  }

  /**
   * A {@code text/event-stream} body, event by event: each complete event (up to its blank line)
   * is either passed on as it came or, when its data is a response this reply changes, written
   * again with the new data on one {@code data:} line (its other fields kept). What comes after
   * the last complete event waits for the rest.
   */
  static final class Sse {
    private final java.util.function.BiFunction<String, String, Optional<String>> events;
    private final int limit;
    /** Bytes of the stream not yet passed on: the start of an event whose end has not come. */
    private byte[] pending = new byte[0];
    private int length;

    /**
     * {@code events}: an event's type ({@code message} when it names none) and data → its new
     * data, or empty to keep the event as it is.
     */
    Sse(java.util.function.BiFunction<String, String, Optional<String>> events, int limit) {
      this.events = events;
      this.limit = limit;
    }

    /** Bytes of the stream in; what may go on to the client out (maybe nothing yet). */
    byte[] feed(byte[] in) throws TooLarge {
      if (length + in.length > pending.length) {
        pending = java.util.Arrays.copyOf(pending, Math.max(length + in.length,
            pending.length * 2));
      }
      // only the new bytes (and the few before them that may start a line end) can end an event
      int from = Math.max(0, length - 3);
      System.arraycopy(in, 0, pending, length, in.length);
      length += in.length;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int start = 0;
      for (int end; (end = eventEnd(pending, length, Math.max(start, from))) >= 0; start = end) {
        out.writeBytes(event(pending, start, end));
      }
      if (start > 0) {
        System.arraycopy(pending, start, pending, 0, length - start);
        length -= start;
      }
      if (length > limit) {
        throw new TooLarge();
      }
      return out.toByteArray();
    }

    /** The end of the stream: what is left (an event without its blank line) as it came. */
    byte[] finish() {
      byte[] rest = java.util.Arrays.copyOf(pending, length);
      length = 0;
      return rest;
    }

    /** The index just past the blank line ending the first event from {@code from}, or -1. */
    static int eventEnd(byte[] b, int length, int from) {
      for (int i = from; i < length; i++) {
        byte c = b[i];
        if (c != '\n' && c != '\r') {
          continue;
        }
        int next = i + 1;
        if (c == '\r') {
          if (next >= length) {
            return -1; // a CR at the end: an LF may follow
          }
          if (b[next] == '\n') {
            next++;
          }
        }
        // a line ended at i; a blank line right after it ends the event
        if (next < length && b[next] == '\n') {
          return next + 1;
        }
        if (next < length && b[next] == '\r') {
          if (next + 1 >= length) {
            return -1;
          }
          return b[next + 1] == '\n' ? next + 2 : next + 1;
        }
        i = next - 1;
      }
      return -1;
    }

    private byte[] event(byte[] b, int start, int end) {
      String text = new String(b, start, end - start, StandardCharsets.UTF_8);
      String[] lines = text.split("\r\n|\r|\n", -1);
      StringBuilder data = new StringBuilder();
      String type = "message";
      boolean any = false;
      for (String line : lines) {
        if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          String v = line.substring(5);
          if (v.startsWith(" ")) {
            v = v.substring(1);
          }
          if (any) {
            data.append('\n');
          }
          data.append(v);
          any = true;
        }
      }
      if (!any) {
        return java.util.Arrays.copyOfRange(b, start, end);
      }
      Optional<String> replaced = events.apply(type, data.toString());
      if (replaced.isEmpty()) {
        return java.util.Arrays.copyOfRange(b, start, end);
      }
      StringBuilder out = new StringBuilder();
      boolean written = false;
      for (String line : lines) {
        if (line.isEmpty()) {
          continue;
        }
        if (line.startsWith("data:")) {
          if (!written) {
            out.append("data: ").append(replaced.get()).append('\n');
            written = true;
          }
        } else {
          out.append(line).append('\n');
        }
      }
      out.append('\n');
      return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An event longer than the limit: it cannot be checked, so the stream is cut. */
    static final class TooLarge extends Exception {
      TooLarge() {
        super(null, null, false, false);
      }
    }
  }

  /** This reply's rewriting of one SSE event's data. */
  Optional<String> rewriteData(String type, String data) {
    if (!mayBeResponse(data)) {
      return Optional.empty();
    }
    return rewriteJson(data.getBytes(StandardCharsets.UTF_8))
        .map(b -> new String(b, StandardCharsets.UTF_8));
  }
}
