package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.IdMapping;
import dev.nemoclaw.sandbox.init.InitPlan;
import dev.nemoclaw.sandbox.init.LibC;
import dev.nemoclaw.sandbox.init.PlanEncoder;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.host.Install;
import dev.nemoclaw.sandbox.Backend;
import dev.nemoclaw.sandbox.LaunchOptions;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.seccomp.SeccompCache;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import dev.nemoclaw.sandbox.seccomp.SeccompProfile;
import dev.nemoclaw.sandbox.seccomp.SeccompProfileException;
import java.util.List;
import java.util.Optional;

/**
 * The native backend: the sandbox init builds the sandbox; this side makes its cgroup, encodes
 * its plan, launches it and reports how the run ended.
 */
public final class LinuxBackend implements Backend {
  private final Cgroups cgroups;
  private final SeccompCache seccomp;

  public LinuxBackend(Cgroups cgroups, SeccompCache seccomp) {
    this.cgroups = cgroups;
    this.seccomp = seccomp;
  }

  /** For this machine: its cgroup hierarchy and architecture, filters cached in the state dir. */
  public static LinuxBackend forThisHost() {
    return new LinuxBackend(Cgroups.detect(), new SeccompCache(
        HostDirs.fromEnvironment().state().resolve("seccomp"), SeccompProfile.Host.current()));
  }

  @Override
  public String name() {
    return "native";
  }

  public Cgroups cgroups() {
    return cgroups;
  }

  @Override
  public void sweep() {
    cgroups.sweep();
  }

  @Override
  public SandboxHandle start(SandboxPlan plan, Install install, LaunchOptions options)
      throws SandboxException {
    SeccompFilter filter;
    try {
      filter = seccomp.load(plan.security().seccompProfile());
    } catch (SeccompProfileException e) {
      throw new SandboxException("seccomp", e.getMessage(), e);
    }
    IdMapping ids;
    try {
      ids = IdMapping.forCaller(plan, LibC.C.getuid(), LibC.C.getgid());
    } catch (IllegalArgumentException e) {
      throw new SandboxException("plan", e.getMessage(), e);
    }
    Optional<SandboxCgroup> cgroup;
    Limits limits;
    switch (cgroups.create(plan.name(), plan.resources())) {
      case Cgroups.Placement.Placed p -> {
        cgroup = Optional.of(p.cgroup());
        limits = p.cgroup().limits();
      }
      case Cgroups.Placement.Unplaced u -> {
        cgroup = Optional.empty();
        limits = new Limits.Off(u.reason());
      }
    }
    byte[] bytes;
    try {
      bytes = PlanEncoder.encode(new InitPlan(plan, ids,
          cgroup.map(SandboxCgroup::procsFiles).orElse(List.of()), Optional.of(filter),
          List.of(), options.terminal()));
    } catch (IllegalArgumentException e) {
      cgroup.ifPresent(SandboxCgroup::destroy);
      throw new SandboxException("plan", e.getMessage(), e);
    }
    LinuxSandbox sandbox = new LinuxSandbox(plan.name(), bytes, cgroup, limits,
        plan.resources().timeout(), options.timeoutGrace(), options.listener(),
        plan.network().mode() == SandboxPlan.NetworkMode.PROXY, options.bridge(),
        options.output(), options.headless());
    sandbox.launch(install.init());
    return sandbox;
  }
}
