package dev.nemoclaw.spec;

import java.util.List;

/** Privacy scanning; no detectors means privacy scanning is off. */
public record Privacy(List<Detector> detectors, PrivacyAction action, List<PrivacyScope> scope) {
  public Privacy {
    detectors = List.copyOf(detectors);
    scope = List.copyOf(scope);
  }

  public boolean enabled() {
    return !detectors.isEmpty();
  }
}
