package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.egress.ToolGate;
import java.util.concurrent.CompletionStage;

/**
 * The proxy's MCP gate, answered by the run's tool governor: a {@code tools/call} crossing the
 * proxy is decided, held for approval, rate-limited, scanned and audited exactly as one the agent
 * asks about at {@code policy.local/v1/tools/evaluate}; the MCP server is the destination host.
 */
final class McpToolGate implements ToolGate {
  private final ToolGovernor tools;

  McpToolGate(ToolGovernor tools) {
    this.tools = tools;
  }

  @Override
  public CompletionStage<Verdict> call(String server, String tool, JsonNode arguments,
      Peer peer) {
    return tools.evaluate(server, tool, arguments, peer.exe()).thenApply(o -> o.allowed()
        ? new Verdict(true, o.reason(), o.arguments(), o.redactOutput())
        : Verdict.block(o.reason() + " [" + o.rule() + "]"));
  }

  @Override
  public boolean listed(String server, String tool) {
    return tools.listed(server, tool);
  }

  @Override
  public JsonNode redact(String server, String tool, JsonNode result) {
    return tools.redact(server, tool, result).result();
  }
}
