package dev.nemoclaw.inference;

import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.Verdict;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Privacy findings of one prompt or one answer, by detector, with the strongest action taken; a
 * streamed answer adds up the verdicts of its events into one privacy event.
 */
final class Findings {
  private final Map<String, Integer> counts = new TreeMap<>();
  private int strength;

  private static final String[] ACTIONS = {"none", "audit", "mask", "block"};

  void add(Verdict v) {
    for (Finding f : v.findings()) {
      counts.merge(f.detector(), 1, Integer::sum);
    }
    int s = switch (v) {
      case Verdict.Clean c -> 0;
      case Verdict.Audited a -> 1;
      case Verdict.Masked m -> 2;
      case Verdict.Blocked b -> 3;
    };
    strength = Math.max(strength, v.findings().isEmpty() ? 0 : s);
  }

  boolean isEmpty() {
    return counts.isEmpty();
  }

  Map<String, Integer> counts() {
    return Map.copyOf(counts);
  }

  String action() {
    return ACTIONS[strength];
  }

  /** The detectors that matched, sorted, each once: what an error may say (never the values). */
  static List<String> names(Verdict v) {
    return v.findings().stream().map(Finding::detector).distinct().sorted().toList();
  }
}
