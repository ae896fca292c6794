package dev.nemoclaw.sandbox.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.host.Install;
import dev.nemoclaw.sandbox.LaunchOptions;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.StatusEvent;
import dev.nemoclaw.sandbox.TestPlans;
import dev.nemoclaw.sandbox.seccomp.SeccompProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real spawns of the stand-in init: fds, status lines, exit codes, stop, timeout, cgroups. */
@Timeout(60)
class LinuxBackendTest {
  @TempDir static Path dir;
  static Install install;
  static Path profile;
  static final LinuxBackend backend = LinuxBackend.forThisHost();

  @BeforeAll
  static void setUp() throws Exception {
    install = FakeInit.install();
    profile = dir.resolve("profile.json");
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}
        """);
  }

  private static SandboxPlan plan(String... command) {
    return TestPlans.plan("t", List.of(command), profile);
  }

  private static Outcome run(SandboxPlan plan) throws Exception {
    return backend.start(plan, install).waitFor();
  }

  @Test
  void runsTheCommandAndReportsItsExitCode() throws Exception {
    List<StatusEvent> heard = new CopyOnWriteArrayList<>();
    SandboxHandle h = backend.start(plan("sh", "-c", "exit 3"), install,
        LaunchOptions.defaults().withListener(heard::add));
    assertTrue(h.pid() > 0);
    Outcome o = h.waitFor();
    assertEquals(new Outcome.Reason.Exited(3), o.reason());
    assertEquals(3, o.exitCode());
    assertEquals(0, o.landlockAbi().orElseThrow());
    assertEquals(2, o.seccompRules().orElseThrow());
    assertTrue(h.started().toCompletableFuture().get());
    assertEquals(h.events(), heard);
    assertEquals(new StatusEvent.Exited(3), heard.getLast());
    assertTrue(heard.contains(new StatusEvent.Started()));
  }

  @Test
  void theInitGetsOnlyFds0To4DefaultSignalsNoEnvAndAnOpenLifeline() throws Exception {
    SandboxHandle h = backend.start(plan("true"), install);
    h.waitFor();
    List<StatusEvent> ev = h.events();
    assertTrue(ev.contains(new StatusEvent.Unknown("note fds-above-4 0")), ev.toString());
    assertTrue(ev.contains(new StatusEvent.Unknown("note blocked 0")), ev.toString());
    assertTrue(ev.contains(new StatusEvent.Unknown("note env none")), ev.toString());
    assertTrue(ev.contains(new StatusEvent.Unknown("note lifeline open")), ev.toString());
  }

  @Test
  void anAgentReturning125IsNotASetupFailure() throws Exception {
    assertEquals(new Outcome.Reason.Exited(125), run(plan("sh", "-c", "exit 125")).reason());
  }

  @Test
  void commandNotFoundIs127() throws Exception {
    Outcome o = run(plan("/nonexistent/agent"));
    assertEquals(new Outcome.Reason.ExecFailed(2, "No such file or directory"), o.reason());
    assertEquals(127, o.exitCode());
  }

  @Test
  void commandNotExecutableIs126() throws Exception {
    Path f = dir.resolve("not-executable");
    Files.writeString(f, "#!/bin/sh\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Outcome o = run(plan(f.toString()));
    assertInstanceOf(Outcome.Reason.ExecFailed.class, o.reason());
    assertEquals(126, o.exitCode());
  }

  @Test
  void aSetupFailureIs125WithTheStep() throws Exception {
    Outcome o = run(plan("@fail"));
    assertEquals(new Outcome.Reason.FailedToStart("mount /usr", "No such file or directory"),
        o.reason());
    assertEquals(125, o.exitCode());
  }

  @Test
  void stopSendsSigtermThroughTheInit() throws Exception {
    SandboxHandle h = backend.start(plan("sleep", "30"), install);
    assertTrue(h.started().toCompletableFuture().get(10, TimeUnit.SECONDS));
    Outcome o = h.stop(Duration.ofSeconds(10));
    assertEquals(new Outcome.Reason.Signaled(15), o.reason());
    assertEquals(143, o.exitCode());
    assertTrue(o.duration().compareTo(Duration.ofSeconds(10)) < 0);
  }

  @Test
  void stopEscalatesToSigkillAfterTheGrace() throws Exception {
    SandboxHandle h = backend.start(plan("sh", "-c", "trap '' TERM; sleep 30"), install);
    assertTrue(h.started().toCompletableFuture().get(10, TimeUnit.SECONDS));
    Thread.sleep(200); // let sh install its trap
    long t0 = System.nanoTime();
    Outcome o = h.stop(Duration.ofMillis(300));
    assertEquals(new Outcome.Reason.Signaled(9), o.reason());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void theTimeoutKillsTheSandboxWith124() throws Exception {
    SandboxPlan p = TestPlans.withResources(plan("sleep", "30"), 256L << 20,
        OptionalDouble.empty(), 64, Optional.of(Duration.ofMillis(500)));
    Outcome o = backend.start(p, install,
        LaunchOptions.defaults().withTimeoutGrace(Duration.ofMillis(500))).waitFor();
    assertEquals(new Outcome.Reason.TimedOut(Duration.ofMillis(500)), o.reason());
    assertEquals(124, o.exitCode());
  }

  @Test
  void aMissingInitFailsToStart() {
    Install none = new Install(dir, dir.resolve("no-such-init"), dir, dir);
    SandboxException e = assertThrows(SandboxException.class,
        () -> backend.start(plan("true"), none));
    assertEquals("init", e.step());
  }

  @Test
  void aBadSeccompProfileFailsBeforeSpawning() throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}");
    SandboxException e = assertThrows(SandboxException.class, () -> backend.start(
        TestPlans.plan("t", List.of("true"), bad), install));
    assertEquals("seccomp", e.step());
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void limitsAreExplicitAndTheCgroupIsRemoved() throws Exception {
    SandboxHandle h = backend.start(plan("sh", "-c", "sleep 0.3 & sleep 0.3 & wait"), install);
    Outcome o = h.waitFor();
    assertEquals(0, o.exitCode());
    switch (o.limits()) {
      case Limits.Enforced e -> {
        assertFalse(Files.exists(Path.of(e.cgroup())), e.cgroup() + " left behind");
        assertTrue(o.resources().peakMemoryBytes().orElseThrow() > 0);
        assertTrue(o.resources().peakPids().orElseThrow() >= 3, o.resources().toString());
        assertTrue(o.resources().cpuSeconds().isPresent());
      }
      case Limits.Off off -> assertFalse(HostDirs.isRoot(), "root but " + off.describe());
    }
  }

  @Test
  void theOomKillerIs137AndSaysSo() throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root");
    SandboxPlan p = TestPlans.withResources(
        plan("dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"), 32L << 20,
        OptionalDouble.of(1.0), 64, Optional.empty());
    Outcome o = run(p);
    assertInstanceOf(Limits.Enforced.class, o.limits());
    assertEquals(new Outcome.Reason.OomKilled(32L << 20), o.reason());
    assertEquals(137, o.exitCode());
    assertTrue(o.resources().oomKills() > 0);
  }

  @Test
  void hostArchIsKnown() {
    assertTrue(SeccompProfile.Host.current().scmpArch().startsWith("SCMP_ARCH_"));
  }
}
