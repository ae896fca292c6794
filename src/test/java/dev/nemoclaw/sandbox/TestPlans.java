package dev.nemoclaw.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Small plans for tests. */
public final class TestPlans {
  private TestPlans() {}

  public static SandboxPlan plan(String name, List<String> command, Path seccomp) {
    return new SandboxPlan(name, name, command, Map.of(), "/sandbox", 1000, 1000,
        new SandboxPlan.RootFs.Host(List.of("/usr", "/bin", "/lib", "/etc")), List.of(),
        List.of(new SandboxPlan.Tmpfs("/tmp", 256L << 20)),
        new SandboxPlan.Resources(2L << 30, OptionalDouble.empty(), 512, Optional.empty()),
        new SandboxPlan.Security(seccomp, SandboxPlan.LandlockMode.REQUIRED, false),
        new SandboxPlan.Network(SandboxPlan.NetworkMode.NONE, 3128));
  }

  public static SandboxPlan withResources(SandboxPlan p, long memory, OptionalDouble cpus,
      int pids, Optional<Duration> timeout) {
    return new SandboxPlan(p.name(), p.hostname(), p.command(), p.env(), p.workdir(), p.uid(),
        p.gid(), p.root(), p.mounts(), p.tmpfs(),
        new SandboxPlan.Resources(memory, cpus, pids, timeout), p.security(), p.network());
  }
}
