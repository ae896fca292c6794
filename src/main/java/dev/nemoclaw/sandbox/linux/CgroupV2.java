package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** One sandbox's cgroup on the unified hierarchy. */
public final class CgroupV2 implements SandboxCgroup {
  static final long CPU_PERIOD_US = 100_000;

  private final Path dir;
  private final long memoryLimit;
  private final List<String> off;
  private final AtomicLong sampledPids = new AtomicLong();
  private volatile boolean destroyed;

  private CgroupV2(Path dir, long memoryLimit, List<String> off) {
    this.dir = dir;
    this.memoryLimit = memoryLimit;
    this.off = List.copyOf(off);
  }

  /**
   * Makes {@code parent/name} and sets the plan's limits in it. {@code available} is what {@code
   * parent} may enable for its children; whatever the plan needs and is not there is reported, not
   * hidden.
   */
  static CgroupV2 create(Path parent, String name, Set<String> available,
      SandboxPlan.Resources res) throws IOException {
    Path dir = parent.resolve(name);
    Files.createDirectory(dir);
    List<String> off = new ArrayList<>();
    try {
      if (available.contains("memory")) {
        CgroupFiles.write(dir.resolve("memory.max"), Long.toString(res.memoryBytes()));
        if (Files.exists(dir.resolve("memory.swap.max"))) {
          CgroupFiles.write(dir.resolve("memory.swap.max"), "0");
        } else {
          off.add("swap not limited (no memory.swap.max: swap accounting is off)");
        }
      } else {
        off.add("memory not limited (no memory controller in " + parent + ")");
      }
      if (available.contains("pids")) {
        CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(res.pids()));
      } else {
        off.add("pids not limited (no pids controller in " + parent + ")");
      }
      if (res.cpus().isPresent()) {
        if (available.contains("cpu")) {
          CgroupFiles.write(dir.resolve("cpu.max"),
              quota(res.cpus().getAsDouble()) + " " + CPU_PERIOD_US);
        } else {
          off.add("cpus not limited (no cpu controller in " + parent + ")");
        }
      }
    } catch (IOException e) {
      CgroupFiles.removeTree(dir);
      throw e;
    }
    return new CgroupV2(dir, res.memoryBytes(), off);
  }

  @Override
  public void raise(SandboxPlan.Resources res) throws IOException {
    CgroupFiles.write(dir.resolve("memory.max"), Long.toString(res.memoryBytes()));
    CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(res.pids()));
    if (res.cpus().isPresent()) {
      CgroupFiles.write(dir.resolve("cpu.max"),
          quota(res.cpus().getAsDouble()) + " " + CPU_PERIOD_US);
    }
  }

  static long quota(double cpus) {
    return Math.max(1000, (long) Math.ceil(cpus * CPU_PERIOD_US));
  }

  public Path dir() {
    return dir;
  }

  @Override
  public List<Path> procsFiles() {
    return List.of(dir.resolve("cgroup.procs"));
  }

  @Override
  public Limits.Enforced limits() {
    return new Limits.Enforced("v2", dir.toString(), off);
  }

  @Override
  public long memoryLimitBytes() {
    return memoryLimit;
  }

  @Override
  public void sample() {
    if (!Files.exists(dir.resolve("pids.peak"))) {
      CgroupFiles.readLong(dir.resolve("pids.current"))
          .ifPresent(n -> sampledPids.accumulateAndGet(n, Math::max));
    }
  }

  @Override
  public ResourceUsage usage() {
    sample();
    OptionalLong peakPids = CgroupFiles.readLong(dir.resolve("pids.peak"));
    if (peakPids.isEmpty() && sampledPids.get() > 0) {
      peakPids = OptionalLong.of(sampledPids.get());
    }
    OptionalLong usec = CgroupFiles.readKey(dir.resolve("cpu.stat"), "usage_usec");
    return new ResourceUsage(
        CgroupFiles.readLong(dir.resolve("memory.peak")),
        usec.isPresent() ? OptionalDouble.of(usec.getAsLong() / 1e6) : OptionalDouble.empty(),
        peakPids,
        CgroupFiles.readKey(dir.resolve("memory.events"), "oom_kill").orElse(0));
  }

  @Override
  public synchronized void destroy() {
    if (destroyed || !Files.isDirectory(dir)) {
      destroyed = true;
      return;
    }
    kill(dir);
    try {
      CgroupFiles.removeTree(dir);
      destroyed = true;
    } catch (IOException e) {
      System.err.println("nemoclaw: could not remove cgroup " + dir + ": " + e.getMessage());
    }
  }

  /** cgroup.kill (5.14+) takes the whole subtree at once, forks in flight included. */
  static void kill(Path dir) {
    Path kill = dir.resolve("cgroup.kill");
    boolean killed = false;
    if (Files.exists(kill)) {
      try {
        CgroupFiles.write(kill, "1");
        killed = true;
      } catch (IOException e) {
        // fall back to signalling each pid
      }
    }
    for (int round = 0; round < 50 && !CgroupFiles.pidsDeep(dir).isEmpty(); round++) {
      if (!killed || round > 0) {
        CgroupFiles.killAll(CgroupFiles.pidsDeep(dir));
      }
      CgroupFiles.awaitEmpty(dir, 100);
    }
  }
}
