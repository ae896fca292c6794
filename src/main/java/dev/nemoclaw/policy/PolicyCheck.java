package dev.nemoclaw.policy;

import dev.nemoclaw.spec.PolicyCases;
import java.util.List;
import java.util.Optional;

/**
 * Runs {@link PolicyCases} against a compiled policy, for {@code nemoclaw policy test}: each case's
 * request is decided exactly as {@code policy explain} (and the proxy) decides it, then compared
 * with what the case expects.
 */
public final class PolicyCheck {
  private PolicyCheck() {}

  public enum Status { PASS, FAIL, SKIP }

  /**
   * What the policy decided: {@code verdict} is {@code allow}, {@code deny} or {@code ask} (a
   * request no rule covers under {@code network.unknown: ask}; under {@code unknown: deny} it is
   * {@code deny}, by rule {@code network.unknown: deny}). {@code inspect}: an allow that is
   * TLS-inspected.
   */
  public record Decided(String verdict, String rule, String reason, boolean inspect) {}

  /**
   * One case's outcome. {@code decided} is empty for a skipped case. {@code message} says why a
   * case failed or was skipped; it is empty for a passed one.
   */
  public record Result(PolicyCases.Case testCase, Status status, Optional<Decided> decided,
      Optional<String> message) {
    public boolean ok() {
      return status != Status.FAIL;
    }
  }

  /** Tool cases are skipped: no tool policy was given. */
  public static List<Result> run(LayeredPolicy policy, PolicyCases cases) {
    return cases.cases().stream().map(c -> run(policy, Optional.empty(), c)).toList();
  }

  /** Tool cases are decided by {@code tools} (agent.yaml's tools rules for this agent). */
  public static List<Result> run(LayeredPolicy policy, ToolPolicy tools, PolicyCases cases) {
    return cases.cases().stream().map(c -> run(policy, Optional.of(tools), c)).toList();
  }

  public static Result run(LayeredPolicy policy, PolicyCases.Case c) {
    return run(policy, Optional.empty(), c);
  }

  private static Result run(LayeredPolicy policy, Optional<ToolPolicy> tools,
      PolicyCases.Case c) {
    return switch (c.request()) {
      case PolicyCases.Tool t -> tools.map(p -> tool(p, c, t)).orElseGet(() -> new Result(c,
          Status.SKIP, Optional.empty(), Optional.of("no tool rules were given")));
      case PolicyCases.Egress e -> egress(policy, c, e);
    };
  }

  /** What the rules say (rate windows, approvals and privacy findings are the run's). */
  private static Result tool(ToolPolicy tools, PolicyCases.Case c, PolicyCases.Tool t) {
    ToolDecision d = tools.decide(t.server().orElse("local"), t.tool());
    Decided got = new Decided(d.action().yaml(), d.rule(), d.reason(), false);
    return result(c, got, mismatch(c, got));
  }

  /** Why {@code got} is not what {@code c} expects (verdict, then rule), if it is not. */
  private static Optional<String> mismatch(PolicyCases.Case c, Decided got) {
    String by = got.verdict() + " by " + got.rule() + " (" + got.reason() + ")";
    if (!got.verdict().equals(c.expect())) {
      return Optional.of("expected " + c.expect() + ", got " + by);
    }
    if (c.rule().isPresent() && !glob(c.rule().get(), got.rule())) {
      return Optional.of("expected rule '" + c.rule().get() + "', got " + by);
    }
    return Optional.empty();
  }

  private static Result result(PolicyCases.Case c, Decided got, Optional<String> failure) {
    return new Result(c, failure.isPresent() ? Status.FAIL : Status.PASS, Optional.of(got),
        failure);
  }

  private static Result egress(LayeredPolicy policy, PolicyCases.Case c, PolicyCases.Egress e) {
    Decision d = policy.decide(new EgressRequest(e.host(), e.port(), e.method(), e.path(),
        e.binary()));
    String verdict = switch (d) {
      case Decision.Allow a -> "allow";
      case Decision.Deny n -> "deny";
      case Decision.Unknown u -> policy.asks() ? "ask" : "deny";
    };
    boolean inspect = d instanceof Decision.Allow a && a.inspect();
    Decided got = new Decided(verdict, d.rule(), d.reason(), inspect);
    Optional<String> failure = mismatch(c, got);
    if (failure.isEmpty() && c.inspect().isPresent() && c.inspect().get() != inspect) {
      String by = verdict + " by " + d.rule() + " (" + d.reason() + ")";
      failure = Optional.of(inspect
          ? "expected an allow without TLS inspection, got a TLS-inspected " + by
          : "expected a TLS-inspected allow, got " + by + " without inspection");
    }
    return result(c, got, failure);
  }

  /** {@code glob} covers all of {@code text}; {@code *} is any run of characters, nothing else is special. */
  static boolean glob(String glob, String text) {
    String[] parts = glob.split("\\*", -1);
    if (parts.length == 1) {
      return glob.equals(text);
    }
    if (!text.startsWith(parts[0])) {
      return false;
    }
    int at = parts[0].length();
    for (int i = 1; i < parts.length - 1; i++) {
      int found = text.indexOf(parts[i], at);
      if (found < 0) {
        return false;
      }
      at = found + parts[i].length();
    }
    String last = parts[parts.length - 1];
    return text.length() - at >= last.length() && text.endsWith(last);
  }
}
