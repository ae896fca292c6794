package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/** One sandbox's cgroups on v1 hierarchies: one directory per mounted controller. */
public final class CgroupV1 implements SandboxCgroup {
  /** Controllers we place the sandbox in, when mounted. */
  static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "freezer");

  private final Map<String, Path> dirs;
  private final long memoryLimit;
  private final List<String> off;
  private final AtomicLong sampledPids = new AtomicLong();
  private volatile boolean destroyed;

  private CgroupV1(Map<String, Path> dirs, long memoryLimit, List<String> off) {
    this.dirs = Map.copyOf(dirs);
    this.memoryLimit = memoryLimit;
    this.off = List.copyOf(off);
  }

  /**
   * {@code parents}: controller → the {@code nemoclaw} directory in its hierarchy (co-mounted
   * controllers share one). Fails only when neither memory nor pids could be made.
   */
  static CgroupV1 create(Map<String, Path> parents, String name, SandboxPlan.Resources res)
      throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>();
    List<String> off = new ArrayList<>();
    IOException first = null;
    for (String c : CONTROLLERS) {
      Path parent = parents.get(c);
      if (parent == null) {
        continue;
      }
      Path dir = parent.resolve(name);
      try {
        if (!dirs.containsValue(dir)) {
          Files.createDirectories(dir);
        }
        dirs.put(c, dir);
      } catch (IOException e) {
        first = first == null ? e : first;
        off.add(c + ": cannot create " + dir + ": " + e.getMessage());
      }
    }
    CgroupV1 cg = new CgroupV1(dirs, res.memoryBytes(), List.of());
    if (!dirs.containsKey("memory") && !dirs.containsKey("pids")) {
      cg.destroy();
      throw first != null ? first : new IOException("no memory or pids hierarchy is mounted");
    }
    try {
      cg.setLimits(res, off);
    } catch (IOException e) {
      cg.destroy();
      throw e;
    }
    return new CgroupV1(dirs, res.memoryBytes(), off);
  }

  private void setLimits(SandboxPlan.Resources res, List<String> off) throws IOException {
    Path mem = dirs.get("memory");
    if (mem != null) {
      CgroupFiles.write(mem.resolve("memory.limit_in_bytes"), Long.toString(res.memoryBytes()));
      // memsw is memory+swap: equal to the memory limit means no swap at all
      if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
        CgroupFiles.write(mem.resolve("memory.memsw.limit_in_bytes"),
            Long.toString(res.memoryBytes()));
      } else {
        off.add("swap not limited (no memory.memsw.limit_in_bytes: boot with swapaccount=1)");
      }
      try {
        CgroupFiles.write(mem.resolve("memory.swappiness"), "0");
      } catch (IOException e) {
        // not on every kernel; memsw is what holds
      }
    } else {
      off.add("memory not limited (no memory hierarchy)");
    }
    Path pids = dirs.get("pids");
    if (pids != null) {
      CgroupFiles.write(pids.resolve("pids.max"), Integer.toString(res.pids()));
    } else {
      off.add("pids not limited (no pids hierarchy)");
    }
    if (res.cpus().isPresent()) {
      Path cpu = dirs.get("cpu");
      if (cpu != null) {
        CgroupFiles.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CgroupV2.CPU_PERIOD_US));
        CgroupFiles.write(cpu.resolve("cpu.cfs_quota_us"),
            Long.toString(CgroupV2.quota(res.cpus().getAsDouble())));
      } else {
        off.add("cpus not limited (no cpu hierarchy)");
      }
    }
  }

  @Override
  public void raise(SandboxPlan.Resources res) throws IOException {
    Path mem = dirs.get("memory");
    if (mem != null && Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
      // memory must stay <= memsw: raise memsw first, lower it last
      long now = CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes")).orElse(0);
      if (res.memoryBytes() > now) {
        CgroupFiles.write(mem.resolve("memory.memsw.limit_in_bytes"),
            Long.toString(res.memoryBytes()));
      }
    }
    setLimits(res, new ArrayList<>());
  }

  public Map<String, Path> dirs() {
    return dirs;
  }

  @Override
  public List<Path> procsFiles() {
    return dirs.values().stream().distinct().map(d -> d.resolve("cgroup.procs")).toList();
  }

  @Override
  public Limits.Enforced limits() {
    Path shown = dirs.getOrDefault("memory", dirs.values().iterator().next());
    return new Limits.Enforced("v1", shown.toString(), off);
  }

  @Override
  public long memoryLimitBytes() {
    return memoryLimit;
  }

  @Override
  public void sample() {
    Path pids = dirs.get("pids");
    if (pids != null && !Files.exists(pids.resolve("pids.peak"))) {
      CgroupFiles.readLong(pids.resolve("pids.current"))
          .ifPresent(n -> sampledPids.accumulateAndGet(n, Math::max));
    }
  }

  @Override
  public ResourceUsage usage() {
    sample();
    Path mem = dirs.get("memory");
    Path pids = dirs.get("pids");
    OptionalLong peakMem = mem == null ? OptionalLong.empty()
        : CgroupFiles.readLong(mem.resolve("memory.max_usage_in_bytes"));
    long oom = mem == null ? 0
        : CgroupFiles.readKey(mem.resolve("memory.oom_control"), "oom_kill").orElse(0);
    OptionalLong peakPids = pids == null ? OptionalLong.empty()
        : CgroupFiles.readLong(pids.resolve("pids.peak"));
    if (peakPids.isEmpty() && sampledPids.get() > 0) {
      peakPids = OptionalLong.of(sampledPids.get());
    }
    return new ResourceUsage(peakMem, cpuSeconds(), peakPids, oom);
  }

  private OptionalDouble cpuSeconds() {
    Path acct = dirs.get("cpuacct");
    if (acct != null) {
      OptionalLong ns = CgroupFiles.readLong(acct.resolve("cpuacct.usage"));
      if (ns.isPresent()) {
        return OptionalDouble.of(ns.getAsLong() / 1e9);
      }
    }
    Path cpu = dirs.get("cpu");
    if (cpu != null) {
      OptionalLong usec = CgroupFiles.readKey(cpu.resolve("cpu.stat"), "usage_usec");
      if (usec.isPresent()) {
        return OptionalDouble.of(usec.getAsLong() / 1e6);
      }
    }
    return OptionalDouble.empty();
  }

  @Override
  public synchronized void destroy() {
    if (destroyed) {
      return;
    }
    kill(dirs);
    boolean all = true;
    for (Path d : dirs.values().stream().distinct().toList()) {
      try {
        CgroupFiles.removeTree(d);
      } catch (IOException e) {
        all = false;
        System.err.println("nemoclaw: could not remove cgroup " + d + ": " + e.getMessage());
      }
    }
    destroyed = all;
  }

  /**
   * v1 has no cgroup.kill. Freezing first stops a fork bomb from outrunning the kill loop; SIGKILL
   * is delivered to frozen tasks once they thaw.
   */
  static void kill(Map<String, Path> dirs) {
    List<Path> all = dirs.values().stream().distinct().filter(Files::isDirectory).toList();
    if (all.stream().allMatch(d -> CgroupFiles.pidsDeep(d).isEmpty())) {
      return;
    }
    Path freezer = dirs.get("freezer");
    boolean frozen = false;
    if (freezer != null && Files.exists(freezer.resolve("freezer.state"))) {
      try {
        CgroupFiles.write(freezer.resolve("freezer.state"), "FROZEN");
        frozen = true;
        for (int i = 0; i < 100; i++) {
          if (CgroupFiles.read(freezer.resolve("freezer.state")).orElse("")
              .strip().equals("FROZEN")) {
            break;
          }
          CgroupFiles.sleep(10);
        }
      } catch (IOException e) {
        // kill without freezing
      }
    }
    for (Path d : all) {
      CgroupFiles.killAll(CgroupFiles.pidsDeep(d));
    }
    if (frozen) {
      try {
        CgroupFiles.write(freezer.resolve("freezer.state"), "THAWED");
      } catch (IOException e) {
        // the kills still land when something thaws it
      }
    }
    for (int round = 0; round < 50; round++) {
      boolean empty = true;
      for (Path d : all) {
        if (!CgroupFiles.awaitEmpty(d, 100)) {
          empty = false;
          CgroupFiles.killAll(CgroupFiles.pidsDeep(d));
        }
      }
      if (empty) {
        return;
      }
    }
  }
}
