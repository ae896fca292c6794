package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link SandboxPlan} plus what only this host and this run decide: the id mapping, the cgroup
 * the init joins, the flattened seccomp filter, the proxy socket. This is what goes on fd 3.
 */
public record InitPlan(
    SandboxPlan plan,
    IdMapping ids,
    List<Path> cgroupProcs,
    Optional<SeccompFilter> seccomp,
    Optional<Path> proxySocket,
    List<Rlimit> rlimits) {

  public InitPlan {
    cgroupProcs = List.copyOf(cgroupProcs);
    rlimits = List.copyOf(rlimits);
  }
}
