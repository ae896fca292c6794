package dev.nemoclaw.egress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * MCP governance of one request body: finds the JSON-RPC 2.0 {@code tools/call} and
 * {@code tools/list} requests in it (one message or a batch), asks the {@link ToolGate} about each
 * call and says what becomes of the request: it passes as it is (not MCP, or nothing to govern),
 * goes on (arguments masked where the gate said so, with what its response needs done), or is
 * answered here with JSON-RPC errors. A gate that fails counts as a refusal: governance fails
 * closed.
 */
final class McpGovernor {
  /** The JSON-RPC error code of a call the policy blocked (implementation-defined range). */
  static final int BLOCKED = -32001;

  private McpGovernor() {}

  /** What the decision on one tools/call was, for the egress log. */
  record Decision(String tool, boolean allowed, String reason, boolean masked,
      boolean redacted) {}

  sealed interface Outcome {
    /** Not an MCP request the proxy governs: the body goes on untouched. */
    record Pass() implements Outcome {}

    /**
     * The request goes on: {@code body} is the original bytes or, when arguments were masked, the
     * re-written message; {@code reply} says what the response needs.
     */
    record Forward(byte[] body, boolean changed, McpReply reply, List<Decision> decisions)
        implements Outcome {}

    /** Answered here: the JSON-RPC error (or errors) to send back; nothing goes to the server. */
    record Refuse(JsonNode answer, List<Decision> decisions) implements Outcome {}
  }

  /** One JSON-RPC request of the body. */
  private record Call(ObjectNode message, String method) {}

  static CompletionStage<Outcome> govern(ToolGate gate, String server, byte[] body, Peer peer) {
    JsonNode root;
    try {
      root = EgressEvent.Json.MAPPER.readTree(body);
    } catch (IOException e) {
      // not JSON: not MCP — unless it names tools/call, when a lenient server might still read
      // it as a call the proxy could not check; that is refused rather than sent unchecked
      if (new String(body, StandardCharsets.UTF_8).contains("tools/call")) {
        Decision d = new Decision("", false, "the body names tools/call but is not JSON the"
            + " proxy can read", false, false);
        return done(new Outcome.Refuse(error(null, "", d.reason(), true), List.of(d)));
      }
      return done(new Outcome.Pass());
    }
    if (root == null) {
      return done(new Outcome.Pass());
    }
    boolean batch = root.isArray();
    List<JsonNode> messages = new ArrayList<>();
    if (batch) {
      root.forEach(messages::add);
    } else {
      messages.add(root);
    }
    List<Call> calls = new ArrayList<>();
    Set<String> lists = new HashSet<>();
    for (JsonNode m : messages) {
      // jsonrpc: "2.0" is not required: a lenient server would run a call without it
      if (m instanceof ObjectNode o && o.path("method").isTextual()) {
        String method = o.get("method").asText();
        if (method.equals("tools/call")) {
          calls.add(new Call(o, method));
        } else if (method.equals("tools/list") && o.has("id")) {
          lists.add(idKey(o.get("id")));
        }
      }
    }
    if (calls.isEmpty() && lists.isEmpty()) {
      return done(new Outcome.Pass());
    }
    List<CompletableFuture<ToolGate.Verdict>> verdicts = new ArrayList<>();
    for (Call c : calls) {
      verdicts.add(ask(gate, server, c.message(), peer));
    }
    return CompletableFuture.allOf(verdicts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<Decision> decisions = new ArrayList<>();
      Map<String, String> redact = new HashMap<>();
      boolean refused = false;
      boolean changed = false;
      for (int i = 0; i < calls.size(); i++) {
        ObjectNode m = calls.get(i).message();
        ToolGate.Verdict verdict = verdicts.get(i).join();
        String tool = toolName(m).orElse("");
        boolean masked = verdict.allowed() && verdict.arguments().isPresent();
        decisions.add(new Decision(tool, verdict.allowed(), verdict.reason(), masked,
            verdict.allowed() && verdict.redactOutput()));
        if (!verdict.allowed()) {
          refused = true;
          continue;
        }
        if (masked) {
          ((ObjectNode) m.get("params")).set("arguments", verdict.arguments().get());
          changed = true;
        }
        if (verdict.redactOutput() && m.has("id")) {
          redact.put(idKey(m.get("id")), tool);
        }
      }
      if (refused) {
        return new Outcome.Refuse(refusal(batch, messages, calls, decisions), decisions);
      }
      byte[] out = body;
      if (changed) {
        try {
          out = EgressEvent.Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
          throw new IllegalStateException(e);
        }
      }
      return new Outcome.Forward(out, changed, new McpReply(gate, server, redact, lists),
          decisions);
    });
  }

  /** The gate's verdict on one call; a call without a tool name, or a failing gate, is refused. */
  private static CompletableFuture<ToolGate.Verdict> ask(ToolGate gate, String server,
      ObjectNode call, Peer peer) {
    Optional<String> tool = toolName(call);
    if (tool.isEmpty()) {
      return CompletableFuture.completedFuture(
          ToolGate.Verdict.block("tools/call without a tool name in params.name"));
    }
    JsonNode args = call.path("params").path("arguments");
    if (args.isMissingNode() || args.isNull()) {
      args = EgressEvent.Json.MAPPER.createObjectNode();
    }
    CompletionStage<ToolGate.Verdict> stage;
    try {
      stage = gate.call(server, tool.get(), args.deepCopy(), peer);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.toCompletableFuture().handle((verdict, err) -> {
      if (err != null || verdict == null) {
        return ToolGate.Verdict.block("the tool rules could not be evaluated ("
            + (err == null ? "no verdict" : String.valueOf(deepest(err))) + ")");
      }
      if (verdict.allowed() && verdict.arguments().isPresent()
          && !(call.get("params") instanceof ObjectNode)) {
        return ToolGate.Verdict.block("tools/call params are not an object");
      }
      return verdict;
    });
  }

  private static Optional<String> toolName(JsonNode call) {
    JsonNode name = call.path("params").path("name");
    return name.isTextual() && !name.asText().isEmpty() ? Optional.of(name.asText())
        : Optional.empty();
  }

  /**
   * The answer to a refused body. One message: its error. A batch: one error per request with an
   * id — the blocked calls say why, every other request says it was not sent because another
   * call in the batch was blocked (nothing of a batch goes out when any of it is refused: a
   * partial batch would need the server's answers spliced with ours).
   */
  private static JsonNode refusal(boolean batch, List<JsonNode> messages, List<Call> calls,
      List<Decision> decisions) {
    if (!batch) {
      Decision d = decisions.getFirst();
      return error(calls.getFirst().message().get("id"), d.tool(), d.reason(), true);
    }
    Map<JsonNode, Decision> byCall = new IdentityHashMap<>();
    for (int i = 0; i < calls.size(); i++) {
      byCall.put(calls.get(i).message(), decisions.get(i));
    }
    ArrayNode out = EgressEvent.Json.MAPPER.createArrayNode();
    for (JsonNode m : messages) {
      if (!m.has("id") || !m.has("method")) {
        continue; // a notification (or a response the client sends): nothing answers it
      }
      Decision d = byCall.get(m);
      if (d != null && !d.allowed()) {
        out.add(error(m.get("id"), d.tool(), d.reason(), true));
      } else {
        String tool = d != null ? d.tool() : m.path("method").asText();
        out.add(error(m.get("id"), tool, "", false));
      }
    }
    return out;
  }

  /** The JSON-RPC error object of one refused (or not sent) call. */
  static ObjectNode error(JsonNode id, String tool, String reason, boolean blocked) {
    ObjectNode n = EgressEvent.Json.MAPPER.createObjectNode();
    n.put("jsonrpc", "2.0");
    n.set("id", id == null ? EgressEvent.Json.MAPPER.nullNode() : id);
    ObjectNode e = n.putObject("error");
    e.put("code", BLOCKED);
    e.put("message", blocked
        ? "nemoclaw policy blocked tool " + tool + (reason.isEmpty() ? "" : ": " + reason)
        : "not sent: another call in the same batch was blocked by nemoclaw policy");
    ObjectNode data = e.putObject("data");
    data.put("tool", tool);
    data.put("reason", reason);
    return n;
  }

  /** 200 with the JSON-RPC answer, marked as a denial for clients that read the header. */
  static FullHttpResponse response(JsonNode answer) {
    byte[] bytes = (answer.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    r.headers().set(Responses.DECISION_HEADER, "deny");
    return r;
  }

  /** A JSON-RPC id as a map key: its JSON text, so 1 and "1" stay apart. */
  static String idKey(JsonNode id) {
    return id == null ? "null" : id.toString();
  }

  private static Throwable deepest(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
