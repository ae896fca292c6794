package dev.nemoclaw.approval;

import dev.nemoclaw.policy.Decision;
import java.util.Objects;
import java.util.Optional;

/**
 * How a submitted request ended.
 *
 * @param allowed whether the request may go ahead
 * @param verdict the verdict that decided it (of the approval, or of the grant it used)
 * @param decider who decided; channel {@code timeout} or {@code ci} when nemoclaw did
 * @param approval the id of the item it waited on, or of the approval that made the grant
 * @param rule what decided, for logs and the 403 body: {@code approval a1b2c3},
 *     {@code session grant a1b2c3}, {@code network.unknown: ask (--ci)}, ...
 * @param reason one sentence for people and the 403 body
 * @param hint what to do about a refusal; empty when allowed
 */
public record Resolution(
    boolean allowed,
    Verdict verdict,
    Decider decider,
    Optional<String> approval,
    String rule,
    String reason,
    String hint) {
  public Resolution {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(decider, "decider");
    Objects.requireNonNull(approval, "approval");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(hint, "hint");
  }

  /** As a policy decision, for the proxy (an approval never turns on TLS inspection). */
  public Decision toDecision() {
    return allowed ? new Decision.Allow(rule, reason, false)
        : new Decision.Deny(rule, reason, hint);
  }
}
