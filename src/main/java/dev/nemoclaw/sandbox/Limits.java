package dev.nemoclaw.sandbox;

import java.util.List;

/**
 * Whether the plan's resource limits are enforced. Never implied: a run without a cgroup says so,
 * with the reason, so {@code doctor}, {@code --report} and the user see it.
 */
public sealed interface Limits {

  /**
   * A cgroup holds the sandbox. {@code mode} is {@code v2} or {@code v1}; {@code off} lists the
   * limits this cgroup could not enforce (a controller missing), each with its reason.
   */
  record Enforced(String mode, String cgroup, List<String> off) implements Limits {
    public Enforced {
      off = List.copyOf(off);
    }
  }

  /** No cgroup could be made; memory, pids and cpu are not limited. */
  record Off(String reason) implements Limits {}

  default String describe() {
    return switch (this) {
      case Enforced e when e.off().isEmpty() -> "limits on (cgroup " + e.mode() + ")";
      case Enforced e -> "limits partly on (cgroup " + e.mode() + "): " + String.join("; ", e.off());
      case Off o -> "limits off: " + o.reason();
    };
  }
}
