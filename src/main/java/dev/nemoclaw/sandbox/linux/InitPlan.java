package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link SandboxPlan} plus what only this host and this run decide: the id mapping, the cgroup
 * the init joins, the flattened seccomp filter, whether the agent gets a pty. This is what goes on
 * fd 3.
 */
public record InitPlan(
    SandboxPlan plan,
    IdMapping ids,
    List<Path> cgroupProcs,
    Optional<SeccompFilter> seccomp,
    List<Rlimit> rlimits,
    boolean pty) {

  public InitPlan {
    cgroupProcs = List.copyOf(cgroupProcs);
    rlimits = List.copyOf(rlimits);
  }
}
