package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the proxy asks about MCP tool calls it sees crossing it (JSON-RPC {@code tools/call} and
 * {@code tools/list} in the POST bodies of plain-HTTP and inspected requests; see
 * {@code docs/egress.md#mcp}). The supervisor implements it with the tool rules (CONTRACT §5) and
 * hands it to {@link EgressProxy.Builder#toolGate}. Thread-safe. {@link #call} is called from
 * virtual threads and may block or complete later (an operator's approval holds the request).
 * {@link #listed} and {@link #redact} run on the proxy's event loop while a response streams
 * through: they must be quick and must not block (pure functions of the compiled rules).
 */
public interface ToolGate {
  /**
   * A JSON-RPC tools/call to an MCP server crossing the proxy. server: the destination host
   * (lower-case).
   */
  CompletionStage<Verdict> call(String server, String tool, JsonNode arguments, Peer peer);

  /** Whether tools/list may show this tool (false: removed from the list). */
  boolean listed(String server, String tool);

  /** The result content of an allowed call whose verdict asked for redaction, redacted. */
  JsonNode redact(String server, String tool, JsonNode result);

  /**
   * The answer about one call. {@code arguments}: present when the call goes on with these
   * arguments instead of the agent's (masked); {@code redactOutput}: the result passes through
   * {@link #redact} on its way back. {@code reason} is said to the agent when it is refused.
   */
  record Verdict(boolean allowed, String reason, Optional<JsonNode> arguments,
      boolean redactOutput) {
    public Verdict {
      reason = Objects.requireNonNullElse(reason, "");
      arguments = arguments == null ? Optional.empty() : arguments;
    }

    public static Verdict allow() {
      return new Verdict(true, "", Optional.empty(), false);
    }

    public static Verdict block(String reason) {
      return new Verdict(false, reason, Optional.empty(), false);
    }
  }

  /** Every call allowed as it is, every tool listed, nothing redacted: the proxy's default. */
  static ToolGate allowAll() {
    return AllowAll.INSTANCE;
  }

  /** The default gate; a proxy with it does not look into bodies for MCP at all. */
  enum AllowAll implements ToolGate {
    INSTANCE;

    @Override
    public CompletionStage<Verdict> call(String server, String tool, JsonNode arguments,
        Peer peer) {
      return CompletableFuture.completedFuture(Verdict.allow());
    }

    @Override
    public boolean listed(String server, String tool) {
      return true;
    }

    @Override
    public JsonNode redact(String server, String tool, JsonNode result) {
      return result;
    }
  }
}
