package dev.nemoclaw.spec;

import java.util.Optional;

/**
 * A tool-rule pattern {@code org:ORG/team:TEAM/agent:NAME/server:SERVER/tool:TOOL}; an omitted
 * segment matches anything. Each present segment is a literal, {@code *}, or {@code prefix*}.
 */
public record ToolMatch(
    String text,
    Optional<String> org,
    Optional<String> team,
    Optional<String> agent,
    Optional<String> server,
    Optional<String> tool) {

  /** How many segments are given: more is more specific. */
  public int specificity() {
    return (int) java.util.stream.Stream.of(org, team, agent, server, tool)
        .filter(Optional::isPresent)
        .count();
  }
}
