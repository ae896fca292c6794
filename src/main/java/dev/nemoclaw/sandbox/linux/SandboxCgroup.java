package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.ResourceUsage;
import java.nio.file.Path;
import java.util.List;

/** The cgroup (v2) or cgroups (v1, one per controller) holding one sandbox. */
public sealed interface SandboxCgroup permits CgroupV2, CgroupV1 {

  /** The {@code cgroup.procs} files the init writes its pid into. */
  List<Path> procsFiles();

  Limits.Enforced limits();

  long memoryLimitBytes();

  /** Called periodically while the sandbox runs, for peaks the kernel does not keep. */
  void sample();

  /** Peaks and totals; read after the sandbox ended, before {@link #destroy}. */
  ResourceUsage usage();

  /** Sets new limits while the sandbox runs (an approved escalation). */
  void raise(dev.nemoclaw.sandbox.SandboxPlan.Resources res) throws java.io.IOException;

  /** Kills whatever is still inside and removes the cgroup. Idempotent. */
  void destroy();
}
