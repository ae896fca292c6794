package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * {@code http://policy.local/v1/tools/evaluate} and {@code /v1/tools/result} (docs/tools.md):
 * the agent's own channel to the {@link ToolGovernor}, served on the escalation service's listener
 * behind the same per-run token. An evaluate that needs an approval answers when the operator
 * decides, so clients should allow up to {@code network.approvalTimeout} for it.
 */
final class ToolsService {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1024 * 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private final ToolGovernor governor;

  ToolsService(ToolGovernor governor) {
    this.governor = governor;
  }

  /** Serves {@code path} (under {@code /v1/tools/}); the caller checked the token. */
  void serve(HttpExchange ex, String path) throws IOException {
    if (!ex.getRequestMethod().equals("POST")
        || !(path.equals("/v1/tools/evaluate") || path.equals("/v1/tools/result"))) {
      Escalations.reply(ex, 404, Escalations.error("not_found",
          "POST /v1/tools/evaluate {server, tool, arguments}, POST /v1/tools/result {callId,"
              + " result}"));
      return;
    }
    JsonNode body;
    try (InputStream in = ex.getRequestBody()) {
      byte[] raw = in.readNBytes(MAX_BODY + 1);
      if (raw.length > MAX_BODY) {
        Escalations.reply(ex, 413, Escalations.error("too_large", "at most 1 MiB"));
        return;
      }
      body = JSON.readTree(raw);
      if (body == null || !body.isObject()) {
        throw new IOException("expected a JSON object");
      }
    } catch (IOException e) {
      String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
          ? j.getOriginalMessage() : e.getMessage();
      Escalations.reply(ex, 400, Escalations.error("bad_request", "the body must be a JSON"
          + " object: " + why));
      return;
    }
    try {
      if (path.endsWith("/evaluate")) {
        evaluate(ex, body);
      } else {
        result(ex, body);
      }
    } catch (IllegalArgumentException e) {
      Escalations.reply(ex, 400, Escalations.error("bad_request", e.getMessage()));
    }
  }

  private void evaluate(HttpExchange ex, JsonNode b) throws IOException {
    String server = name(b, "server", "local");
    String tool = name(b, "tool", null);
    JsonNode args = b.has("arguments") ? b.get("arguments") : JSON.createObjectNode();
    Optional<String> exe = Optional.ofNullable(ex.getRequestHeaders()
        .getFirst("X-Nemoclaw-Peer-Exe"));
    OptionalLong pid = OptionalLong.empty();
    try {
      String p = ex.getRequestHeaders().getFirst("X-Nemoclaw-Peer-Pid");
      pid = p == null ? pid : OptionalLong.of(Long.parseLong(p));
    } catch (NumberFormatException ignored) {
      // the proxy writes it; a bad one is only a missing one
    }
    ToolOutcome o;
    try {
      o = governor.evaluate(server, tool, args, exe, pid).toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    Escalations.reply(ex, 200, json(o));
  }

  static ObjectNode json(ToolOutcome o) {
    ObjectNode n = JSON.createObjectNode().put("allowed", o.allowed())
        .put("action", o.action().yaml()).put("rule", o.rule()).put("reason", o.reason())
        .put("callId", o.callId()).put("redactOutput", o.redactOutput())
        .put("risk", o.risk().yaml());
    o.arguments().ifPresent(a -> n.set("arguments", a));
    o.retryAfterSeconds().ifPresent(s -> n.put("retryAfterSeconds", s));
    o.approval().ifPresent(a -> n.putObject("approval").put("id", a.id())
        .put("verdict", a.verdict()).put("by", a.by()).put("channel", a.channel()));
    if (!o.findings().isEmpty()) {
      var arr = n.putArray("findings");
      o.findings().forEach((d, c) -> arr.addObject().put("detector", d).put("count", c));
    }
    return n;
  }

  private void result(HttpExchange ex, JsonNode b) throws IOException {
    if (!b.has("result")) {
      throw new IllegalArgumentException("result is required (any JSON)");
    }
    JsonNode result = b.get("result");
    ToolOutcome.Redacted r;
    if (b.hasNonNull("callId")) {
      try {
        r = governor.redact(b.get("callId").asText(), result);
      } catch (IllegalArgumentException e) {
        Escalations.reply(ex, 404, Escalations.error("unknown_call", e.getMessage()
            + "; pass the callId an allowed /v1/tools/evaluate returned"));
        return;
      }
    } else {
      r = governor.redact(name(b, "server", "local"), name(b, "tool", null), result);
    }
    ObjectNode n = JSON.createObjectNode();
    n.set("result", r.result());
    n.put("redacted", r.redacted());
    var arr = n.putArray("findings");
    r.findings().forEach((d, c) -> arr.addObject().put("detector", d).put("count", c));
    Escalations.reply(ex, 200, n);
  }

  private static String name(JsonNode b, String field, String dflt) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull()) {
      if (dflt == null) {
        throw new IllegalArgumentException(field + " is required");
      }
      return dflt;
    }
    if (!v.isTextual() || !NAME.matcher(v.asText()).matches()) {
      throw new IllegalArgumentException(field + " must be a name of 1 to 128 characters"
          + " A-Z a-z 0-9 _ . -, not " + v);
    }
    return v.asText();
  }
}
