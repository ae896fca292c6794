package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {
  static final Duration T = Duration.ofSeconds(5);
  static final String PROBE_OK =
      "echo '{\"userns\":true,\"usernsError\":\"\",\"landlockAbi\":5,\"seccomp\":true,"
          + "\"seccompFilter\":true}'";

  @TempDir Path tmp;

  private static Finding check(HostCapabilities caps, String id) {
    return caps.check(id).orElseThrow(() -> new AssertionError("no check " + id));
  }

  @Test
  void everyCheckIsReportedInOrder() {
    FakeHost h = new FakeHost(tmp);
    HostCapabilities caps = h.probe().run(T);
    assertEquals(HostProbe.CHECK_IDS, caps.checks().stream().map(Finding::id).toList());
    assertEquals("6.8.0-test", caps.host().kernel());
    assertFalse(caps.host().root());
  }

  @Test
  void initProbeIsBelievedOverEverythingElse() {
    FakeHost h = new FakeHost(tmp);
    h.init = Optional.of(h.script("nemoclaw-init", PROBE_OK));
    h.landlock = () -> new Landlock.Answer.Errno(Landlock.ENOSYS);
    HostCapabilities caps = h.probe().run(T);
    assertTrue(caps.usernsAvailable());
    assertEquals(5, caps.landlockAbi());
    assertTrue(caps.seccompAvailable());
    assertTrue(check(caps, "userns").detail().contains("nemoclaw-init --probe"));
    // ABI 5 lacks scoping: still usable, but the user is told what upgrading buys
    assertEquals(Status.WARN, check(caps, "landlock").status());
    assertTrue(check(caps, "landlock").detail().contains("TCP bind/connect"));
  }

  @Test
  void oddInitOutputFallsBackToUnshare() {
    FakeHost h = new FakeHost(tmp);
    h.init = Optional.of(h.script("nemoclaw-init", "echo 'nemoclaw-init: not built yet' >&2; exit 125"));
    h.unshare = Optional.of(h.script("unshare", "exit 0"));
    HostCapabilities caps = h.probe().run(T);
    assertTrue(caps.usernsAvailable());
    assertTrue(check(caps, "userns").detail().contains("unshare"));
    assertEquals(7, caps.landlockAbi(), "falls back to the syscall");
    assertEquals(Status.WARN, check(caps, "init").status());
    assertTrue(check(caps, "init").detail().contains("exit 125"));
  }

  @Test
  void nothingToTestWithIsNotTestedNotOk() {
    FakeHost h = new FakeHost(tmp);
    HostCapabilities caps = h.probe().run(T);
    assertEquals(Status.WARN, check(caps, "userns").status());
    assertTrue(check(caps, "userns").detail().startsWith("not tested"));
    assertFalse(caps.usernsAvailable());
    assertEquals(Status.MISSING, check(caps, "init").status());
    assertTrue(check(caps, "init").fix().orElseThrow().contains("make -C native/landlock-helper"));
  }

  @Test
  void maxUserNamespacesZeroIsMissing() {
    FakeHost h = new FakeHost(tmp).file("/proc/sys/user/max_user_namespaces", "0\n");
    h.unshare = Optional.of(h.script("unshare", "exit 0"));
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "userns");
    assertEquals(Status.MISSING, f.status());
    assertTrue(f.fix().orElseThrow().contains("sysctl -w user.max_user_namespaces="));
    assertFalse(caps.usernsAvailable());
    assertEquals(Summary.Sandbox.UNAVAILABLE, caps.summary().sandbox());
  }

  @Test
  void debianUnprivilegedCloneZeroBlocksOnlyNonRoot() {
    FakeHost h = new FakeHost(tmp).file("/proc/sys/kernel/unprivileged_userns_clone", "0\n");
    h.unshare = Optional.of(h.script("unshare", "exit 0"));
    Finding user = check(h.probe().run(T), "userns");
    assertEquals(Status.MISSING, user.status());
    assertTrue(user.fix().orElseThrow().contains("kernel.unprivileged_userns_clone=1"));
    h.uid = 0;
    assertEquals(Status.OK, check(h.probe().run(T), "userns").status());
  }

  @Test
  void apparmorRestrictionIsExplainedWithBothFixes() {
    FakeHost h = new FakeHost(tmp)
        .file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
    h.unshare = Optional.of(h.script("unshare",
        "echo 'unshare: write failed /proc/self/uid_map: Operation not permitted' >&2; exit 1"));
    h.init = Optional.of(tmp.resolve("bin/nemoclaw-init"));
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "userns");
    assertEquals(Status.MISSING, f.status());
    assertTrue(f.detail().contains("AppArmor"), f.detail());
    assertTrue(f.detail().contains("uid_map: Operation not permitted"), f.detail());
    String fix = f.fix().orElseThrow();
    assertTrue(fix.contains("sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"), fix);
    assertTrue(fix.contains("AppArmor profile for " + tmp.resolve("bin/nemoclaw-init")), fix);
    assertFalse(caps.usernsAvailable());
  }

  @Test
  void apparmorRestrictionWithAProfileThatAllowsIsOk() {
    FakeHost h = new FakeHost(tmp)
        .file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n");
    h.init = Optional.of(h.script("nemoclaw-init", PROBE_OK));
    HostCapabilities caps = h.probe().run(T);
    assertEquals(Status.OK, check(caps, "userns").status());
    assertTrue(check(caps, "userns").detail().contains("a profile allows"));
  }

  @Test
  void landlockCompiledInButNotEnabled() {
    FakeHost h = new FakeHost(tmp).file("/sys/kernel/security/lsm", "lockdown,capability,yama,apparmor\n");
    h.landlock = () -> new Landlock.Answer.Errno(Landlock.EOPNOTSUPP);
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "landlock");
    assertEquals(Status.MISSING, f.status());
    assertTrue(f.detail().contains("not enabled"));
    assertTrue(f.fix().orElseThrow().contains("lsm=landlock,lockdown,capability,yama,apparmor"));
    assertEquals(0, caps.landlockAbi());
  }

  @Test
  void landlockAbsentFromKernel() {
    FakeHost h = new FakeHost(tmp);
    h.landlock = () -> new Landlock.Answer.Errno(Landlock.ENOSYS);
    Finding f = check(h.probe().run(T), "landlock");
    assertEquals(Status.MISSING, f.status());
    assertTrue(f.detail().contains("CONFIG_SECURITY_LANDLOCK"));
  }

  @Test
  void seccompWithoutFilterModeIsMissing() throws IOException {
    FakeHost h = new FakeHost(tmp);
    // actions_avail exists only with CONFIG_SECCOMP_FILTER
    Files.delete(tmp.resolve("proc/sys/kernel/seccomp/actions_avail"));
    HostCapabilities caps = h.probe().run(T);
    assertEquals(Status.MISSING, check(caps, "seccomp").status());
    assertFalse(caps.seccompAvailable());
    assertEquals(Summary.Sandbox.UNAVAILABLE, caps.summary().sandbox(), "no userns tested either");
  }

  @Test
  void cgroupV2WithControllersAndAWritableCgroup() {
    FakeHost h = new FakeHost(tmp)
        .file("/proc/self/mountinfo", MountsTest.V2)
        .file("/proc/self/cgroup", "0::/user.slice/user-1000.slice/session-3.scope\n")
        .file("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cgroup.controllers",
            "cpu memory pids\n")
        .file("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cgroup.subtree_control",
            "\n");
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "cgroups");
    assertEquals(Status.OK, f.status(), f.detail());
    assertTrue(f.detail().contains("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope"));
    assertTrue(f.detail().contains("controllers cpu,memory,pids"));
    assertEquals(CgroupMode.V2, caps.cgroupMode());
    assertTrue(caps.cgroupCreatable());
    assertTrue(caps.summary().limits());
    // the probe cleaned up after itself
    try (var s = Files.list(tmp.resolve("sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope"))) {
      assertEquals(2, s.count());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void cgroupV2WithoutPidsControllerTurnsLimitsOff() {
    FakeHost h = new FakeHost(tmp)
        .file("/proc/self/mountinfo", MountsTest.V2)
        .file("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "cgroups");
    assertEquals(Status.WARN, f.status());
    assertTrue(f.detail().contains("controller pids not available"));
    assertTrue(f.detail().contains("resource limits will be off"));
    assertTrue(f.fix().orElseThrow().contains("systemd-run --user --scope -p Delegate=yes"));
    assertFalse(caps.cgroupCreatable());
  }

  @Test
  void hybridWithEmptyUnifiedUsesV1Controllers() {
    FakeHost h = new FakeHost(tmp)
        .file("/proc/self/mountinfo", MountsTest.HYBRID)
        .file("/proc/self/cgroup", "4:memory:/job\n3:pids:/\n0::/\n")
        .dir("/sys/fs/cgroup/memory/job").dir("/sys/fs/cgroup/pids")
        .file("/sys/fs/cgroup/unified/cgroup.controllers", "\n");
    HostCapabilities caps = h.probe().run(T);
    Finding f = check(caps, "cgroups");
    assertEquals(Status.OK, f.status(), f.detail());
    assertTrue(f.detail().startsWith("hybrid: v1 controllers cpu,cpuacct,memory,pids"), f.detail());
    assertTrue(f.detail().contains("/sys/fs/cgroup/memory/job and /sys/fs/cgroup/pids"));
    assertEquals(CgroupMode.HYBRID, caps.cgroupMode());
    assertTrue(caps.cgroupCreatable());
  }

  @Test
  void noCgroupsMountedIsMissing() {
    HostCapabilities caps = new FakeHost(tmp).probe().run(T);
    assertEquals(Status.MISSING, check(caps, "cgroups").status());
    assertEquals(CgroupMode.NONE, caps.cgroupMode());
    assertFalse(caps.summary().limits());
  }

  @Test
  void aCheckThatSleepsPastTheTimeoutIsReportedWithinTheBound() {
    FakeHost h = new FakeHost(tmp);
    // a hanging init stands in for an NFS stat that never returns
    h.init = Optional.of(h.script("nemoclaw-init", "exec sleep 30"));
    Duration timeout = Duration.ofMillis(500);
    long start = System.nanoTime();
    HostCapabilities caps = h.probe().run(timeout, List.of(new HostProbe.Check("slow", () -> {
      Thread.sleep(30_000);
      return HostProbe.Outcome.of(Finding.ok("slow", "never"));
    })));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(Duration.ofMillis(2000)) < 0, "took " + took);
    Finding slow = check(caps, "slow");
    assertEquals(Status.ERROR, slow.status());
    assertEquals("timed out after 500ms", slow.detail());
    Finding init = check(caps, "init");
    assertEquals(Status.ERROR, init.status());
    assertTrue(init.detail().startsWith("timed out after"));
  }

  @Test
  void timedOutChecksLeaveTheirFactsAbsent() {
    FakeHost h = new FakeHost(tmp);
    h.unshare = Optional.of(h.script("unshare", "exec sleep 30"));
    HostCapabilities caps = h.probe().run(Duration.ofMillis(400));
    assertFalse(caps.usernsAvailable());
    assertEquals(Status.ERROR, check(caps, "userns").status());
  }

  @Test
  void dockerEngineAnsweringPingIsReachable() throws Exception {
    Path sock = tmp.resolve("docker.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      Thread engine = Thread.ofVirtual().start(() -> {
        try (SocketChannel c = server.accept()) {
          c.read(ByteBuffer.allocate(1024));
          c.write(ByteBuffer.wrap(("HTTP/1.0 200 OK\r\nApi-Version: 1.51\r\n"
              + "Content-Length: 2\r\n\r\nOK").getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
          // the test's assertion reports it
        }
      });
      FakeHost h = new FakeHost(tmp);
      h.env.put("DOCKER_HOST", "unix://" + sock);
      HostCapabilities caps = h.probe().run(T);
      engine.join();
      assertTrue(caps.dockerReachable(), check(caps, "docker").detail());
      assertTrue(check(caps, "docker").detail().contains("API 1.51"));
    }
  }

  @Test
  void noDockerSocketIsMissingWithAFix() {
    HostCapabilities caps = new FakeHost(tmp).probe().run(T);
    Finding f = check(caps, "docker");
    assertEquals(Status.MISSING, f.status());
    assertTrue(f.fix().orElseThrow().contains("docker.io"));
    assertFalse(caps.dockerReachable());
  }

  @Test
  void nestedInDockerWithoutUsernsGivesTheOuterContainerFix() {
    FakeHost h = new FakeHost(tmp).file("/.dockerenv", "");
    h.unshare = Optional.of(h.script("unshare", "echo 'unshare: unshare failed: Operation not permitted' >&2; exit 1"));
    HostCapabilities caps = h.probe().run(T);
    assertEquals(Optional.of("docker"), caps.nestedIn());
    assertTrue(caps.nested());
    Finding nested = check(caps, "nested");
    assertEquals(Status.WARN, nested.status());
    assertTrue(nested.fix().orElseThrow().contains("--security-opt seccomp=unconfined"));
    assertTrue(check(caps, "userns").fix().orElseThrow().contains("seccomp=unconfined"));
  }

  @Test
  void podmanAndOverlayRootAreNoticed() {
    FakeHost h = new FakeHost(tmp).file("/run/.containerenv", "");
    assertEquals(Optional.of("podman"), h.probe().run(T).nestedIn());
    FakeHost o = new FakeHost(tmp.resolve("o")).file("/proc/self/mountinfo",
        "90 1 0:50 / / rw - overlay overlay rw,lowerdir=/a\n");
    assertEquals(Optional.of("container"), o.probe().run(T).nestedIn());
    assertFalse(new FakeHost(tmp.resolve("p")).probe().run(T).nested());
  }

  @Test
  void fullSandboxNeedsUsernsLandlockAndSeccomp() {
    FakeHost h = new FakeHost(tmp);
    h.init = Optional.of(h.script("nemoclaw-init", PROBE_OK));
    assertEquals(Summary.Sandbox.FULL, h.probe().run(T).summary().sandbox());
    h.landlock = () -> new Landlock.Answer.Errno(Landlock.ENOSYS);
    h.init = Optional.of(h.script("nemoclaw-init2", PROBE_OK.replace("\"landlockAbi\":5", "\"landlockAbi\":0")));
    assertEquals(Summary.Sandbox.DEGRADED, h.probe().run(T).summary().sandbox());
  }
}
