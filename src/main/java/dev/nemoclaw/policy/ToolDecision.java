package dev.nemoclaw.policy;

import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.RiskLevel;
import dev.nemoclaw.spec.ToolAction;
import java.util.Objects;
import java.util.Optional;

/**
 * What agent.yaml's {@code tools} rules say about one call, before any state (rate windows,
 * approvals, privacy findings) is consulted.
 *
 * @param action the deciding rule's action ({@code allow} when there is no tools section,
 *     {@code block} when there is one and no rule matched)
 * @param rule where the user finds the rule: {@code tools[2] server:jira/tool:read_*}, or
 *     {@code tools (no rule matched)}, or {@code default (no tools section)}
 * @param reason one sentence for people
 * @param rateLimit the rule's window, exactly when the action is {@code rate-limit}
 * @param risk the tool's risk level (built-in table or {@code toolRisk})
 */
public record ToolDecision(ToolAction action, String rule, String reason,
    Optional<RateLimit> rateLimit, RiskLevel risk) {
  public ToolDecision {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(risk, "risk");
  }
}
