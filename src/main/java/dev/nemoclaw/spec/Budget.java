package dev.nemoclaw.spec;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;

/** Spending caps for one run; at least one is present. */
public record Budget(OptionalLong tokens, Optional<BigDecimal> usd) {}
