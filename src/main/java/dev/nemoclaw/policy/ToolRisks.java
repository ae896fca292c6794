package dev.nemoclaw.policy;

import dev.nemoclaw.spec.RiskLevel;
import dev.nemoclaw.spec.ToolRisk;
import java.util.List;
import java.util.Locale;

/**
 * A tool's risk level: agent.yaml's {@code toolRisk} first (first match wins), then a built-in
 * table of well-known names: {@code exec}, {@code shell}, {@code bash}, {@code process},
 * {@code run*} are high; {@code write}, {@code edit}, {@code apply_patch}, {@code delete*},
 * {@code browser}, {@code fetch}, {@code web*} medium; {@code read*}, {@code list*},
 * {@code search*}, {@code get*} low; anything else medium.
 */
public final class ToolRisks {
  private static final List<String> HIGH = List.of("exec", "shell", "bash", "process", "run*");
  private static final List<String> MEDIUM = List.of("write", "edit", "apply_patch", "delete*",
      "browser", "fetch", "web*");
  private static final List<String> LOW = List.of("read*", "list*", "search*", "get*");

  private final List<ToolRisk> overrides;

  public ToolRisks(List<ToolRisk> overrides) {
    this.overrides = List.copyOf(overrides);
  }

  public RiskLevel of(String server, String tool) {
    for (ToolRisk r : overrides) {
      if (ToolPolicy.segment(r.match().server(), server)
          && ToolPolicy.segment(r.match().tool(), tool)) {
        return r.level();
      }
    }
    return builtin(tool);
  }

  /** The built-in table alone. */
  public static RiskLevel builtin(String tool) {
    String t = tool.toLowerCase(Locale.ROOT);
    if (any(HIGH, t)) {
      return RiskLevel.HIGH;
    }
    if (any(MEDIUM, t)) {
      return RiskLevel.MEDIUM;
    }
    return any(LOW, t) ? RiskLevel.LOW : RiskLevel.MEDIUM;
  }

  private static boolean any(List<String> globs, String t) {
    return globs.stream().anyMatch(g -> g.endsWith("*") ? t.startsWith(g.substring(0,
        g.length() - 1)) : t.equals(g));
  }
}
