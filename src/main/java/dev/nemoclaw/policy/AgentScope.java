package dev.nemoclaw.policy;

import dev.nemoclaw.spec.ToolMatch;
import java.util.Optional;

/**
 * Who an agent is for scoped rules: its name and its {@code org}/{@code team} labels. A pattern
 * ({@code org:ORG/team:TEAM/agent:NAME}) matches when every segment it gives matches; {@code *}
 * matches any value, a missing label included; {@code prefix*} a label that starts with prefix.
 */
public record AgentScope(String name, Optional<String> org, Optional<String> team) {
  public boolean matches(ToolMatch m) {
    return segment(m.org(), org) && segment(m.team(), team) && segment(m.agent(), Optional.of(name));
  }

  /**
   * How specific a pattern is, for "the most specific scope wins": the agent segment counts most,
   * then team, then org; in each, a literal beats a prefix glob, which beats {@code *} or
   * leaving the segment out. Greater is more specific.
   */
  public static int specificity(ToolMatch m) {
    return 9 * weight(m.agent()) + 3 * weight(m.team()) + weight(m.org());
  }

  private static int weight(Optional<String> segment) {
    return segment.map(s -> s.equals("*") ? 0 : s.endsWith("*") ? 1 : 2).orElse(0);
  }

  private static boolean segment(Optional<String> pattern, Optional<String> value) {
    if (pattern.isEmpty() || pattern.get().equals("*")) {
      return true;
    }
    if (value.isEmpty()) {
      return false;
    }
    String p = pattern.get();
    return p.endsWith("*") ? value.get().startsWith(p.substring(0, p.length() - 1))
        : value.get().equals(p);
  }
}
