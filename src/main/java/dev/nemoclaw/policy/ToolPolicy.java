package dev.nemoclaw.policy;

import dev.nemoclaw.spec.RiskLevel;
import dev.nemoclaw.spec.ToolAction;
import dev.nemoclaw.spec.ToolMatch;
import dev.nemoclaw.spec.ToolRisk;
import dev.nemoclaw.spec.ToolRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * agent.yaml's {@code tools} rules compiled for one agent (CONTRACT §5): of the rules whose
 * pattern covers the call (org, team, agent, server and tool segments; {@code *} and
 * {@code prefix*} globs) and whose {@code risk}, if any, is the tool's, the most specific wins,
 * then the first. Without a tools section every call is allowed (and audited); with one, a call
 * no rule covers is blocked: once the user opts in, governance fails closed. Immutable.
 */
public final class ToolPolicy {
  private record Compiled(int index, ToolRule rule, int specificity) {}

  private final boolean governed;
  private final List<Compiled> rules;
  private final ToolRisks risks;

  private ToolPolicy(boolean governed, List<Compiled> rules, ToolRisks risks) {
    this.governed = governed;
    this.rules = rules;
    this.risks = risks;
  }

  /** Only the rules whose org/team/agent segments cover {@code agent} are kept. */
  public static ToolPolicy compile(List<ToolRule> tools, List<ToolRisk> toolRisk,
      AgentScope agent) {
    List<Compiled> out = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      ToolRule r = tools.get(i);
      if (agent.matches(r.match())) {
        out.add(new Compiled(i, r, specificity(r.match())));
      }
    }
    return new ToolPolicy(!tools.isEmpty(), List.copyOf(out), new ToolRisks(toolRisk));
  }

  /** No tools section: every call allowed. */
  public static ToolPolicy none() {
    return new ToolPolicy(false, List.of(), new ToolRisks(List.of()));
  }

  /** Whether agent.yaml has a tools section (so uncovered calls are blocked). */
  public boolean governed() {
    return governed;
  }

  /**
   * The org/team/agent weights of {@link AgentScope#specificity} under the server segment's,
   * under the tool segment's: naming the tool is the most specific thing a rule can do.
   */
  public static int specificity(ToolMatch m) {
    return 243 * weight(m.tool()) + 81 * weight(m.server()) + AgentScope.specificity(m);
  }

  public RiskLevel risk(String server, String tool) {
    return risks.of(server, tool);
  }

  public ToolDecision decide(String server, String tool) {
    RiskLevel risk = risks.of(server, tool);
    if (!governed) {
      return new ToolDecision(ToolAction.ALLOW, "default (no tools section)", "agent.yaml has"
          + " no tools section, so every tool call is allowed (and audited).", Optional.empty(),
          risk);
    }
    Compiled best = null;
    for (Compiled c : rules) {
      ToolMatch m = c.rule().match();
      if (segment(m.server(), server) && segment(m.tool(), tool)
          && c.rule().risk().map(r -> r == risk).orElse(true)
          && (best == null || c.specificity() > best.specificity())) {
        best = c;
      }
    }
    if (best == null) {
      return new ToolDecision(ToolAction.BLOCK, "tools (no rule matched)", "No rule in tools"
          + " covers " + server + "/" + tool + " (risk " + risk.yaml() + "), and a tools section"
          + " blocks what it does not cover.", Optional.empty(), risk);
    }
    String name = "tools[" + best.index() + "] " + best.rule().match().text()
        + best.rule().risk().map(r -> " risk:" + r.yaml()).orElse("");
    return new ToolDecision(best.rule().action(), name, server + "/" + tool + " matches "
        + name + ": " + best.rule().action().yaml() + ".", best.rule().rateLimit(), risk);
  }

  private static int weight(Optional<String> segment) {
    return segment.map(s -> s.equals("*") ? 0 : s.endsWith("*") ? 1 : 2).orElse(0);
  }

  static boolean segment(Optional<String> pattern, String value) {
    if (pattern.isEmpty() || pattern.get().equals("*")) {
      return true;
    }
    String p = pattern.get();
    return p.endsWith("*") ? value.startsWith(p.substring(0, p.length() - 1)) : value.equals(p);
  }
}
