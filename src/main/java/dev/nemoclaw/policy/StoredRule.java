package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import java.util.Objects;

/**
 * A rule an operator added to a sandbox's policy store, with where it came from: the revision
 * that first added it and its index in that revision's added list. A rollback that brings a rule
 * back keeps its origin, so decisions keep naming it the same way.
 */
public sealed interface StoredRule {
  int revision();

  int index();

  /** How decisions and {@code policy explain} name it: {@code revision 3 allow[0] api.example.com}. */
  String name();

  /** The rule as YAML flow text, see {@link RuleText}. */
  String text();

  record Allow(int revision, int index, AllowRule rule) implements StoredRule {
    public Allow {
      check(revision, index);
      Objects.requireNonNull(rule, "rule");
    }

    @Override
    public String name() {
      return "revision " + revision + " allow[" + index + "] " + rule.host().text();
    }

    @Override
    public String text() {
      return RuleText.flow(rule);
    }
  }

  record Deny(int revision, int index, DenyRule rule) implements StoredRule {
    public Deny {
      check(revision, index);
      Objects.requireNonNull(rule, "rule");
    }

    @Override
    public String name() {
      return "revision " + revision + " deny[" + index + "] " + rule.host().text();
    }

    @Override
    public String text() {
      return RuleText.flow(rule);
    }
  }

  private static void check(int revision, int index) {
    if (revision < 1 || index < 0) {
      throw new IllegalArgumentException("revision " + revision + " index " + index);
    }
  }
}
