package dev.nemoclaw.inference;

import dev.nemoclaw.spec.Budget;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** The run's totals and {@code inference.budget} against them. */
final class Ledger {
  private final Optional<Budget> budget;
  private long requests;
  private long refused;
  private long promptTokens;
  private long completionTokens;
  private BigDecimal usd = BigDecimal.ZERO;
  private long unpriced;
  private long estimated;

  Ledger(Optional<Budget> budget) {
    this.budget = budget;
  }

  synchronized void request() {
    requests++;
  }

  synchronized void refused() {
    refused++;
  }

  synchronized void add(Usage u, BigDecimal cost, boolean unpricedCall) {
    promptTokens += u.prompt();
    completionTokens += u.completion();
    usd = usd.add(cost);
    unpriced += unpricedCall ? 1 : 0;
    estimated += u.estimated() ? 1 : 0;
  }

  /**
   * Spent means at or past a cap. Calls already under way when it is reached still finish and
   * count, so a run can end slightly over its budget, never by more than the calls in flight.
   */
  synchronized Optional<InferenceSnapshot.BudgetStatus> budget() {
    return budget.map(b -> {
      long tokens = promptTokens + completionTokens;
      OptionalLong left = b.tokens().isPresent()
          ? OptionalLong.of(Math.max(0, b.tokens().getAsLong() - tokens)) : OptionalLong.empty();
      Optional<BigDecimal> usdLeft = b.usd().map(u -> u.subtract(usd).max(BigDecimal.ZERO));
      boolean spent = b.tokens().isPresent() && tokens >= b.tokens().getAsLong()
          || b.usd().isPresent() && usd.compareTo(b.usd().get()) >= 0;
      return new InferenceSnapshot.BudgetStatus(b.tokens(), left, b.usd(), usdLeft, spent);
    });
  }

  synchronized long tokens() {
    return promptTokens + completionTokens;
  }

  synchronized BigDecimal usd() {
    return usd;
  }

  synchronized InferenceSnapshot snapshot(List<RouteHealth> routes) {
    return new InferenceSnapshot(requests, refused, promptTokens, completionTokens, usd, unpriced,
        estimated, budget(), routes);
  }
}
