package dev.nemoclaw.host;

import java.util.Locale;

/** The doctor's verdict, computed from the typed capabilities. */
public record Summary(Sandbox sandbox, boolean limits) {

  /**
   * FULL: every protection of the default spec applies. DEGRADED: a sandbox starts only with
   * weaker settings ({@code landlock: best-effort}, no seccomp). UNAVAILABLE: no user namespace.
   */
  public enum Sandbox {
    FULL,
    DEGRADED,
    UNAVAILABLE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
