package dev.nemoclaw.supervisor;

import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Which protections a plan gets on this host, as {@code run --dry-run} and {@code doctor} state
 * them: never claim one that will not be on.
 */
public final class Protections {
  /** {@code active}: this host and this plan will have it; {@code detail} says how or why not. */
  public record Protection(String name, boolean active, String detail) {}

  private Protections() {}

  public static List<Protection> of(SandboxPlan plan, HostCapabilities host) {
    List<Protection> p = new ArrayList<>();
    boolean ns = host.usernsAvailable();
    p.add(new Protection("namespaces", ns, ns
        ? "user, pid, mount, net, uts, ipc and cgroup namespaces; host root never maps inside"
        : "this host cannot create user namespaces: the sandbox cannot start (see nemoclaw doctor)"));
    p.add(new Protection("read-only root", ns, switch (plan.root()) {
      case SandboxPlan.RootFs.Host h -> "tmpfs root, read-only binds of " + String.join(" ", h.binds())
          + "; homes and host data hidden";
      case SandboxPlan.RootFs.Dir d -> d.path() + " bound read-only as /";
      case SandboxPlan.RootFs.Image i -> "the engine's image " + i.reference()
          + ", read-only (backend docker)";
    }));
    p.add(new Protection("non-root user", plan.uid() != 0,
        "uid " + plan.uid() + ", gid " + plan.gid() + " inside"));
    p.add(new Protection("no privileges", ns,
        "no capabilities (bounding set cleared), no_new_privs, not dumpable, new session"));
    p.add(new Protection("seccomp", host.seccompAvailable(), host.seccompAvailable()
        ? "allowlist from " + plan.security().seccompProfile()
        : "this kernel has no seccomp filter mode"));
    p.add(landlock(plan.security().landlock(), host.landlockAbi()));
    p.add(new Protection("resource limits", host.cgroupCreatable(), host.cgroupCreatable()
        ? limits(plan.resources()) + " (" + host.cgroupMode().name().toLowerCase() + " cgroups)"
        : "off: no cgroup can be created here (see nemoclaw doctor); "
            + limits(plan.resources()) + " not enforced"));
    p.add(new Protection("network", true, switch (plan.network().mode()) {
      case NONE -> "loopback only; no way out";
      case PROXY -> "loopback only; the one way out is the egress proxy at 127.0.0.1:"
          + plan.network().proxyPort() + ", which allows what the policy allows";
    }));
    return p;
  }

  private static Protection landlock(SandboxPlan.LandlockMode mode, int abi) {
    return switch (mode) {
      case OFF -> new Protection("landlock", false, "off (security.landlock: off)");
      case REQUIRED -> abi > 0
          ? new Protection("landlock", true, "required; ABI " + abi + " " + abilities(abi))
          : new Protection("landlock", false,
              "required but this kernel has none: run refuses to start (exit 125)");
      case BEST_EFFORT -> abi > 0
          ? new Protection("landlock", true, "best-effort; ABI " + abi + " " + abilities(abi))
          : new Protection("landlock", false, "best-effort: this kernel has none, so no Landlock");
    };
  }

  private static String abilities(int abi) {
    return abi >= 6 ? "(filesystem, TCP, signal and abstract-socket scoping)"
        : abi >= 4 ? "(filesystem and TCP; no scoping)"
        : "(filesystem only; no TCP rules, no scoping)";
  }

  private static String limits(SandboxPlan.Resources r) {
    return "memory " + r.memoryBytes() + " bytes (no swap), pids " + r.pids()
        + (r.cpus().isPresent() ? ", cpus " + r.cpus().getAsDouble() : "");
  }
}
