package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.egress.ToolGate;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * The proxy's MCP gate, answered by the run's tool governor: a {@code tools/call} crossing the
 * proxy is decided, held for approval, rate-limited, scanned and audited exactly as one the agent
 * asks about at {@code policy.local/v1/tools/evaluate}; the MCP server is the destination host,
 * or the name agent.yaml's {@code mcpServers} gives it.
 */
final class McpToolGate implements ToolGate {
  private final ToolGovernor tools;
  private final UnaryOperator<String> serverName;

  /** @param serverName the server name a destination host is governed under (mcpServers) */
  McpToolGate(ToolGovernor tools, UnaryOperator<String> serverName) {
    this.tools = tools;
    this.serverName = serverName;
  }

  @Override
  public CompletionStage<Verdict> call(String server, String tool, JsonNode arguments,
      Peer peer) {
    return tools.evaluate(serverName.apply(server), tool, arguments, peer.exe()).thenApply(o -> o.allowed()
        ? new Verdict(true, o.reason(), o.arguments(), o.redactOutput())
        : Verdict.block(o.reason() + " [" + o.rule() + "]"));
  }

  @Override
  public boolean listed(String server, String tool) {
    return tools.listed(serverName.apply(server), tool);
  }

  @Override
  public JsonNode redact(String server, String tool, JsonNode result) {
    return tools.redact(serverName.apply(server), tool, result).result();
  }
}
