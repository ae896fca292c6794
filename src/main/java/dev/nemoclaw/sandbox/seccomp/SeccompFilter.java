package dev.nemoclaw.sandbox.seccomp;

import java.util.List;

/**
 * A profile flattened for the sandbox init: the default action, the architectures to add, and one
 * rule per (syscall, action, conditions). Conditions within a rule all have to hold.
 */
public record SeccompFilter(
    SeccompAction defaultAction, int defaultErrno, List<String> arches, List<Rule> rules) {

  public SeccompFilter {
    arches = List.copyOf(arches);
    rules = List.copyOf(rules);
  }

  public record Rule(String syscall, SeccompAction action, int errno, List<ArgCondition> args) {
    public Rule {
      args = List.copyOf(args);
      if (args.size() > 6) {
        throw new IllegalArgumentException(syscall + ": more than 6 argument conditions");
      }
    }
  }

  /** {@code index} is the syscall argument (0..5); values are the raw 64-bit words. */
  public record ArgCondition(int index, CompareOp op, long value, long valueTwo) {}
}
