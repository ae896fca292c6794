package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.spec.RiskLevel;
import dev.nemoclaw.spec.ToolAction;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one tool call was decided (docs/tools.md): the answer of {@code POST
 * policy.local/v1/tools/evaluate}, and what the proxy's MCP gate acts on.
 *
 * @param allowed whether the call may run
 * @param action the deciding rule's action
 * @param rule where the user finds that rule ({@code tools[2] server:jira/tool:read_*})
 * @param reason one sentence for people
 * @param callId names the call for {@link ToolGovernor#redact(String, JsonNode)}
 * @param redactOutput the rule is redact-output: the result must pass through redact
 * @param arguments the arguments with the privacy detectors' findings masked, only when a
 *     pii-scan masked something (the call must run with these)
 * @param retryAfterSeconds only when a rate limit refused the call
 * @param approval only after require-approval: the operator's answer
 * @param findings privacy findings in the arguments, per detector (never a value)
 */
public record ToolOutcome(boolean allowed, ToolAction action, String rule, String reason,
    String callId, boolean redactOutput, Optional<JsonNode> arguments,
    OptionalLong retryAfterSeconds, Optional<Approval> approval, Map<String, Integer> findings,
    RiskLevel risk) {
  public ToolOutcome {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(callId, "callId");
    Objects.requireNonNull(arguments, "arguments");
    Objects.requireNonNull(retryAfterSeconds, "retryAfterSeconds");
    Objects.requireNonNull(approval, "approval");
    Objects.requireNonNull(risk, "risk");
    findings = Map.copyOf(findings);
  }

  /** The operator's (or nemoclaw's: {@code ci}, {@code timeout}, {@code stop}) answer. */
  public record Approval(String id, String verdict, String by, String channel) {}

  /** What {@link ToolGovernor#redact} gives back: the result, and what was masked in it. */
  public record Redacted(JsonNode result, Map<String, Integer> findings, boolean redacted) {
    public Redacted {
      findings = Map.copyOf(findings);
    }
  }
}
