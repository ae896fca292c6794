package dev.nemoclaw.spec;

import java.util.Optional;

/**
 * {@code rateLimit} is present exactly when {@code action} is {@code rate-limit}; {@code risk},
 * when given, is an extra condition: the rule applies only to tools of that risk level.
 */
public record ToolRule(ToolMatch match, ToolAction action, Optional<RateLimit> rateLimit,
    Optional<RiskLevel> risk) {
  public ToolRule(ToolMatch match, ToolAction action, Optional<RateLimit> rateLimit) {
    this(match, action, rateLimit, Optional.empty());
  }
}
