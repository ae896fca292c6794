package dev.nemoclaw.sandbox.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CgroupsTest {
  static final SandboxPlan.Resources RES = new SandboxPlan.Resources(
      64L << 20, OptionalDouble.of(0.5), 32, Optional.empty());

  private static String mountinfo(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void hybridHostsWithAnEmptyUnifiedTreeUseV1(@TempDir Path t) throws Exception {
    Path unified = Files.createDirectories(t.resolve("unified"));
    Files.writeString(unified.resolve("cgroup.controllers"), "\n");
    String mi = mountinfo(
        "32 31 0:29 / " + t.resolve("cpu,cpuacct") + " rw - cgroup cgroup rw,cpu,cpuacct",
        "35 31 0:32 / " + t.resolve("mem") + " rw,relatime - cgroup cgroup rw,memory",
        "39 31 0:36 / " + t.resolve("pids") + " rw,relatime - cgroup cgroup rw,pids",
        "40 31 0:37 / " + t.resolve("sd") + " rw,relatime - cgroup cgroup rw,name=systemd",
        "41 31 0:38 / " + unified + " rw,relatime - cgroup2 cgroup2 rw");
    Cgroups.Mode m = Cgroups.mode(mi, "4:memory:/x\n0::/\n");
    assertEquals(new Cgroups.Mode.V1(Map.of("cpu", t.resolve("cpu,cpuacct"),
        "cpuacct", t.resolve("cpu,cpuacct"), "memory", t.resolve("mem"),
        "pids", t.resolve("pids"))), m);
  }

  @Test
  void pureV2FindsOurOwnCgroup(@TempDir Path t) throws Exception {
    Files.writeString(t.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
    String mi = mountinfo("29 23 0:26 / " + t.toString().replace(" ", "\\040")
        + " rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate");
    Cgroups.Mode m = Cgroups.mode(mi,
        "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope\n");
    assertEquals(new Cgroups.Mode.V2(t, t.resolve(
        "user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope")), m);
    assertInstanceOf(Cgroups.Mode.None.class, Cgroups.mode("", ""));
  }

  @Test
  void rootlessV2UsesTheHighestCgroupThatIsOurs(@TempDir Path t) throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root (needs chown to fake a delegation)");
    Path service = t.resolve("user.slice/user-65534.slice/user@65534.service");
    Path own = Files.createDirectories(service.resolve("app.slice/run-1.scope"));
    for (Path d = own; !d.equals(service.getParent()); d = d.getParent()) {
      Files.writeString(d.resolve("cgroup.procs"), "");
      Files.setAttribute(d, "unix:uid", 65534);
    }
    Cgroups nobody = new Cgroups(new Cgroups.Mode.V2(t, own), 65534, 1);
    assertEquals(Optional.of(service), nobody.v2Base());
    Cgroups other = new Cgroups(new Cgroups.Mode.V2(t, own), 4242, 1);
    assertEquals(Optional.empty(), other.v2Base());
    Cgroups.Placement p = other.create("x", RES);
    assertInstanceOf(Cgroups.Placement.Unplaced.class, p);
    assertTrue(((Cgroups.Placement.Unplaced) p).reason().contains("no delegated cgroup"));
    assertEquals(Optional.of(t), new Cgroups(new Cgroups.Mode.V2(t, own), 0, 1).v2Base());
  }

  @Test
  void namesCarryTheSupervisorPid() {
    Cgroups c = new Cgroups(new Cgroups.Mode.None("test"), 0, 4242);
    assertTrue(c.cgroupName("My_Agent").matches("nemoclaw-my-agent-4242-[0-9a-f]{8}"));
    Cgroups.Placement p = c.create("x", RES);
    assertEquals(new Cgroups.Placement.Unplaced("test"), p);
  }

  /** This machine's real hierarchy (v1 controllers on hybrid hosts, or v2). */
  @Test
  void createsLimitsKillsAndRemovesForReal() throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root");
    Cgroups cg = Cgroups.detect();
    SandboxCgroup sc = ((Cgroups.Placement.Placed) cg.create("real", RES)).cgroup();
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      for (Path procs : sc.procsFiles()) {
        CgroupFiles.write(procs, Long.toString(sleeper.pid()));
      }
      switch (sc) {
        case CgroupV1 v1 -> {
          Path mem = v1.dirs().get("memory");
          assertEquals(64L << 20, CgroupFiles.readLong(mem.resolve("memory.limit_in_bytes"))
              .orElseThrow());
          assertEquals("32", CgroupFiles.read(v1.dirs().get("pids").resolve("pids.max"))
              .orElseThrow().strip());
          assertEquals("50000", CgroupFiles.read(v1.dirs().get("cpu")
              .resolve("cpu.cfs_quota_us")).orElseThrow().strip());
        }
        case CgroupV2 v2 -> assertTrue(Files.isDirectory(v2.dir()));
      }
      assertTrue(CgroupFiles.pids(sc.procsFiles().getFirst().getParent())
          .contains(sleeper.pid()));
      sc.sample();
      assertTrue(sc.usage().peakPids().orElseThrow() >= 1);
      sc.destroy();
      assertTrue(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
      for (Path procs : sc.procsFiles()) {
        assertFalse(Files.exists(procs.getParent()), procs.getParent() + " left behind");
      }
    } finally {
      sleeper.destroyForcibly();
      sc.destroy();
    }
  }

  /** The unified hierarchy, even where it holds no controllers: cgroup.kill and reporting. */
  @Test
  void v2WithoutControllersSaysWhichLimitsAreOff() throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root");
    String mi = CgroupFiles.read(Path.of("/proc/self/mountinfo")).orElseThrow();
    Optional<Path> unified = mi.lines().map(l -> l.split(" "))
        .filter(f -> List.of(f).contains("cgroup2")).map(f -> Path.of(f[4])).findFirst();
    Assumptions.assumeTrue(unified.isPresent(), "no cgroup2 mount");
    if (!Cgroups.controllers(unified.get()).isEmpty()) {
      return; // a real v2 host: covered by createsLimitsKillsAndRemovesForReal
    }
    Cgroups cg = new Cgroups(new Cgroups.Mode.V2(unified.get(), unified.get()), 0,
        ProcessHandle.current().pid());
    CgroupV2 v2 = (CgroupV2) ((Cgroups.Placement.Placed) cg.create("v2", RES)).cgroup();
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      CgroupFiles.write(v2.procsFiles().getFirst(), Long.toString(sleeper.pid()));
      Limits.Enforced l = v2.limits();
      assertEquals("v2", l.mode());
      assertTrue(l.off().stream().anyMatch(s -> s.startsWith("memory not limited")), l.off()
          .toString());
      assertTrue(l.describe().startsWith("limits partly on"));
      v2.destroy();
      assertTrue(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
      assertFalse(Files.exists(v2.dir()));
    } finally {
      sleeper.destroyForcibly();
      v2.destroy();
    }
  }

  @Test
  void sweepRemovesWhatADeadSupervisorLeft() throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root");
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Cgroups dead = new Cgroups(Cgroups.detect().mode(), 0, gone.pid());
    SandboxCgroup left = ((Cgroups.Placement.Placed) dead.create("stale", RES)).cgroup();
    Cgroups live = Cgroups.detect();
    SandboxCgroup ours = ((Cgroups.Placement.Placed) live.create("live", RES)).cgroup();
    Process orphan = new ProcessBuilder("sleep", "30").start();
    try {
      for (Path procs : left.procsFiles()) {
        CgroupFiles.write(procs, Long.toString(orphan.pid()));
      }
      assertTrue(live.sweep() >= 1);
      assertTrue(orphan.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
      for (Path procs : left.procsFiles()) {
        assertFalse(Files.exists(procs.getParent()));
      }
      for (Path procs : ours.procsFiles()) {
        assertTrue(Files.exists(procs.getParent()), "swept a live supervisor's cgroup");
      }
    } finally {
      orphan.destroyForcibly();
      ours.destroy();
      left.destroy();
    }
  }

  @Test
  void describeNamesTheMode() {
    assertEquals("no cgroups: x", new Cgroups(new Cgroups.Mode.None("x"), 0, 1).describe());
    assertTrue(Cgroups.detect().describe().startsWith("cgroup v"));
  }
}
