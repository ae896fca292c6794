package dev.nemoclaw.spec;

/**
 * One entry of agent.yaml's {@code toolRisk}: tools that {@code match} (only its server and tool
 * segments may be given) have risk {@code level}, overriding the built-in table.
 */
public record ToolRisk(ToolMatch match, RiskLevel level) {}
