package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Operator-added rules, layered by {@link CompiledPolicy#compile(dev.nemoclaw.spec.Network,
 * RuleSet)} on top of agent.yaml: allow rules after agent.yaml's own, deny rules after
 * {@code network.deny} (deny still wins over every allow rule).
 */
public record RuleSet(List<StoredRule.Allow> allow, List<StoredRule.Deny> deny) {
  public static final RuleSet EMPTY = new RuleSet(List.of(), List.of());

  public RuleSet {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  public boolean isEmpty() {
    return allow.isEmpty() && deny.isEmpty();
  }

  public int size() {
    return allow.size() + deny.size();
  }

  public List<AllowRule> allowRules() {
    return allow.stream().map(StoredRule.Allow::rule).toList();
  }

  public List<DenyRule> denyRules() {
    return deny.stream().map(StoredRule.Deny::rule).toList();
  }

  /** The rules of this set that {@code other} does not hold (origin included). */
  public RuleSet minus(RuleSet other) {
    Set<StoredRule.Allow> a = new HashSet<>(other.allow);
    Set<StoredRule.Deny> d = new HashSet<>(other.deny);
    return new RuleSet(allow.stream().filter(r -> !a.contains(r)).toList(),
        deny.stream().filter(r -> !d.contains(r)).toList());
  }
}
