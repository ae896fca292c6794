package dev.nemoclaw.supervisor;

import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.spec.McpServer;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.ToolRisk;
import dev.nemoclaw.spec.ToolRule;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a run's live policy comes from: agent.yaml's network, privacy, tools and toolRisk sections and the org and
 * team layer files. The CLI implements it (the supervisor does not parse YAML); a running sandbox
 * re-reads it when a watched file changes, so edits apply without a restart (hot reload).
 */
public interface PolicySource {
  /**
   * The live parts as they are now. {@code staticChanges} names the parts of agent.yaml that
   * changed since the run started but cannot change live (filesystem, user, resources, …): they
   * are not applied, and the run says so.
   */
  record Live(Network network, Privacy privacy, List<ToolRule> tools, List<ToolRisk> toolRisk,
      List<McpServer> mcpServers, List<PolicyLayer> layers, List<String> staticChanges) {
    public Live {
      tools = List.copyOf(tools);
      mcpServers = List.copyOf(mcpServers);
      toolRisk = List.copyOf(toolRisk);
      layers = List.copyOf(layers);
      staticChanges = List.copyOf(staticChanges);
    }

    /** Without MCP server names. */
    public Live(Network network, Privacy privacy, List<ToolRule> tools, List<ToolRisk> toolRisk,
        List<PolicyLayer> layers, List<String> staticChanges) {
      this(network, privacy, tools, toolRisk, List.of(), layers, staticChanges);
    }

    /** Without a tools section. */
    public Live(Network network, Privacy privacy, List<PolicyLayer> layers,
        List<String> staticChanges) {
      this(network, privacy, List.of(), List.of(), List.of(), layers, staticChanges);
    }
  }

  /** Files or directories are read again and fails with every problem in its message. */
  final class Invalid extends Exception {
    public Invalid(String message) {
      super(message);
    }
  }

  /** Who the agent is for scoped layer rules. */
  AgentScope agent();

  /** What the run started with (already validated). */
  Live initial();

  /** Reads the files again. */
  Live load() throws Invalid;

  /**
   * The files whose change means {@link #load} may give something new, listed afresh on each
   * call (a layer file may appear or disappear).
   */
  List<Path> watched();
}
