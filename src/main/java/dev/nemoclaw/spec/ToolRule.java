package dev.nemoclaw.spec;

import java.util.Optional;

/** {@code rateLimit} is present exactly when {@code action} is {@code rate-limit}. */
public record ToolRule(ToolMatch match, ToolAction action, Optional<RateLimit> rateLimit) {}
