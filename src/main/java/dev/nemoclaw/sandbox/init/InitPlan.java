package dev.nemoclaw.sandbox.init;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link SandboxPlan} plus what only this host and this run decide: the id mapping, the cgroup
 * the init joins, the flattened seccomp filter, whether the agent gets a pty. This is what goes on
 * fd 3 (native) or the init socket (in a container: {@code container}, where the engine built the
 * root, the mounts and the cgroup, so the plan carries none of them but the mounts' targets).
 */
public record InitPlan(
    SandboxPlan plan,
    IdMapping ids,
    List<Path> cgroupProcs,
    Optional<SeccompFilter> seccomp,
    List<Rlimit> rlimits,
    boolean pty,
    boolean container) {

  public InitPlan {
    cgroupProcs = List.copyOf(cgroupProcs);
    rlimits = List.copyOf(rlimits);
  }

  /** For the native backend, where the init builds everything itself. */
  public InitPlan(SandboxPlan plan, IdMapping ids, List<Path> cgroupProcs,
      Optional<SeccompFilter> seccomp, List<Rlimit> rlimits, boolean pty) {
    this(plan, ids, cgroupProcs, seccomp, rlimits, pty, false);
  }
}
