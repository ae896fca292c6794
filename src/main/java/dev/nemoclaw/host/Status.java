package dev.nemoclaw.host;

import java.util.Locale;

/** How one doctor check came out. Ordered from best to worst so the worst can be picked. */
public enum Status {
  OK,
  WARN,
  MISSING,
  ERROR;

  /** The spelling used in text and JSON output: {@code ok}, {@code warn}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
