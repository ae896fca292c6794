package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes, timeouts, signals and cleanup of real sandboxes (CONTRACT §4). */
class LifecycleIT {
  @TempDir Path dir;

  Path spec(String extra) throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: life\ncommand: [\"true\"]\n"
        + "network: {mode: none}\n" + extra);
    return f;
  }

  Map<String, String> home() {
    return Map.of("NEMOCLAW_HOME", dir.resolve("home").toString());
  }

  @Test
  void exitCodesFollowTheContract() throws Exception {
    Path f = spec("");
    assertEquals(7, Cli.run(home(), null, "run", f.toString(), "--", "sh", "-c", "exit 7").exit());
    Cli.Result nf = Cli.run(home(), null, "run", f.toString(), "--", "no-such-command");
    assertEquals(127, nf.exit(), nf::toString);
    assertTrue(nf.stderr().contains("no-such-command"), nf::toString);
    Cli.Result ne = Cli.run(home(), null, "run", f.toString(), "--", "/etc/passwd");
    assertEquals(126, ne.exit(), ne::toString);
    Cli.Result sig = Cli.run(home(), null, "run", f.toString(), "--", "sh", "-c", "kill -TERM $$");
    assertEquals(128 + 15, sig.exit(), sig::toString);
  }

  @Test
  void timeoutKillsWith124() throws Exception {
    Path f = spec("resources: {timeout: 1s}\n");
    long t0 = System.nanoTime();
    Cli.Result r = Cli.run(home(), null, "run", f.toString(), "--", "sleep", "60");
    assertEquals(124, r.exit(), r::toString);
    assertTrue(r.stderr().contains("timed out"), r::toString);
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "timeout not enforced");
  }

  @Test
  void oomKillIs137WithAClearMessage() throws Exception {
    Path f = spec("resources: {memory: 32Mi}\n");
    Cli.Result r = Cli.run(home(), null, "run", f.toString(), "--", "sh", "-c",
        "head -c 200000000 /dev/zero | tail -c 1 >/dev/null; x=$(head -c 100000000 /dev/zero"
            + " | tr '\\0' a); echo survived");
    assertEquals(137, r.exit(), r::toString);
    assertTrue(r.stderr().contains("out of memory"), r::toString);
  }

  @Test
  void reportCarriesOutcomeAndEnforcedProtections() throws Exception {
    Path report = dir.resolve("out/report.json");
    Cli.Result r = Cli.run(home(), null, "run", "--report", report.toString(),
        "examples/hello/agent.yaml");
    assertEquals(0, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(report.toFile());
    assertEquals("hello", j.path("name").asText());
    assertEquals(0, j.path("exitCode").asInt());
    for (String k : List.of("durationMs", "denied", "approvals", "resources", "inference",
        "privacy", "audit")) {
      assertTrue(j.has(k), "report lacks " + k);
    }
    assertTrue(j.path("resources").path("peakMemoryBytes").asLong() > 0, j::toString);
    assertTrue(j.path("sandbox").path("landlockAbi").asInt() > 0, j::toString);
    assertTrue(j.path("sandbox").path("seccompRules").asInt() > 0, j::toString);
  }

  @Test
  void landlockRequiredOnAKernelWithoutItRefusesToStart() throws Exception {
    Path f = spec("");
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", dir.resolve("home").toString(),
        "NEMOCLAW_TEST_LANDLOCK_ABI", "0"), null, "run", f.toString(), "--", "echo", "ran");
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().toLowerCase().contains("landlock"), r::toString);
    assertTrue(!r.stdout().contains("ran"), r::toString);
    Cli.Result be = Cli.run(Map.of("NEMOCLAW_HOME", dir.resolve("home").toString(),
            "NEMOCLAW_TEST_LANDLOCK_ABI", "0"), null, "run",
        spec("security: {landlock: best-effort}\n").toString(), "--", "sh", "-c",
        "echo abi=$NEMOCLAW_LANDLOCK_ABI");
    assertEquals(0, be.exit(), be::toString);
    assertTrue(be.stdout().contains("abi=0"), be::toString);
  }

  @Test
  void nothingIsLeftAfterTheAgentExits() throws Exception {
    String marker = uniqueSleep();
    Path f = spec("");
    Cli.Result r = Cli.run(home(), null, "run", f.toString(), "--", "sh", "-c",
        "(sleep " + marker + " &) ; (setsid sleep " + marker + " &); sleep 0.2; "
            + "echo running=$(pgrep -xc sleep)");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("running=2"), () -> "the leftovers never ran\n" + r);
    assertEquals(List.of(), processesNamed(marker), "processes survived the sandbox");
  }

  /** `stop` and SIGTERM to the supervisor both end an agent that ignores SIGTERM. */
  @Test
  void anAgentThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
    Path f = spec("");
    String script = "trap '' TERM; echo ready; sleep %s; echo SURVIVED";
    String marker = uniqueSleep();
    Bg bg = Bg.start(home(), dir, "run", f.toString(), "--", "sh", "-c", script.formatted(marker));
    bg.awaitStdout("ready", 30);
    long t0 = System.nanoTime();
    Cli.Result stop = Cli.run(home(), null, "stop", "life", "--grace", "1s");
    long stopMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(0, stop.exit(), stop::toString);
    assertEquals(128 + 9, bg.waitFor(), bg::stderr); // SIGKILL: SIGTERM was ignored
    assertTrue(stopMs >= 1000 && stopMs < 10_000, "stop took " + stopMs + " ms");
    assertTrue(!bg.stdout().contains("SURVIVED"), bg::stdout);
    assertEquals(List.of(), processesNamed(marker), "the agent outlived stop");

    // SIGTERM to the supervisor itself (what a service manager sends): the same, 10 s later
    marker = uniqueSleep();
    bg = Bg.start(home(), dir, "run", f.toString(), "--", "sh", "-c", script.formatted(marker));
    bg.awaitStdout("ready", 30);
    bg.p().destroy();
    assertEquals(128 + 9, bg.waitFor(), bg::stderr);
    assertEquals(List.of(), processesNamed(marker), "the agent outlived its supervisor's SIGTERM");
  }

  @Test
  void killDashNineOfTheSupervisorTakesTheSandboxWithIt() throws Exception {
    String marker = uniqueSleep();
    Path f = spec("");
    ProcessBuilder pb = new ProcessBuilder(Cli.REPO.resolve("nemoclaw").toString(), "run",
        f.toString(), "--", "sleep", marker)
        .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile());
    pb.environment().putAll(home());
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    Process jvm = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (processesNamed(marker).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(!processesNamed(marker).isEmpty(), "the agent never started");
    long jvmPid = jvm.pid();
    new ProcessBuilder("kill", "-9", Long.toString(jvmPid)).start().waitFor();
    jvm.waitFor(10, TimeUnit.SECONDS);
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!processesNamed(marker).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(List.of(), processesNamed(marker), "the sandbox outlived its supervisor");
    // nothing stale: ps does not believe the registry entry of a dead supervisor, and the
    // audit chain it was writing verifies (before and after the next run appends to it)
    Cli.Result ps = Cli.run(home(), null, "ps", "-o", "json");
    assertEquals(0, ps.exit(), ps::toString);
    assertEquals(0, new com.fasterxml.jackson.databind.ObjectMapper().readTree(ps.stdout())
        .size(), ps::toString);
    Cli.Result verify = Cli.run(home(), null, "audit", "verify", "life");
    assertEquals(0, verify.exit(), verify::toString);
    // the next run sweeps the cgroup the dead supervisor left
    assertEquals(0, Cli.run(home(), null, "run", f.toString()).exit());
    assertEquals(List.of(), cgroupsOf(jvmPid), "a stale cgroup survived the next run's sweep");
    verify = Cli.run(home(), null, "audit", "verify", "life");
    assertEquals(0, verify.exit(), verify::toString);
  }

  /** A sleep duration no other process has, so its command line identifies the process. */
  static String uniqueSleep() {
    return "300." + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 100_000_000L);
  }

  /** Command lines (NULs as spaces) containing {@code marker}, other than our own checks. */
  static List<String> processesNamed(String marker) throws Exception {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
        try {
          return new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
        } catch (Exception e) {
          return "";
        }
      }).filter(c -> c.startsWith("sleep " + marker)).toList();
    }
  }

  static List<Path> cgroupsOf(long supervisorPid) throws Exception {
    try (Stream<Path> s = Stream.of("memory", "pids", "cpu", "unified").map(c ->
        Path.of("/sys/fs/cgroup", c, "nemoclaw")).filter(Files::isDirectory).flatMap(p -> {
          try {
            return Files.list(p);
          } catch (Exception e) {
            return Stream.empty();
          }
        })) {
      return s.filter(p -> p.getFileName().toString().contains("-" + supervisorPid + "-")).toList();
    }
  }

  /** With a terminal the agent gets its own pty, sized like the operator's, fed its keystrokes. */
  @Test
  void onATerminalTheAgentGetsItsOwnPty() throws Exception {
    Path f = spec("");
    String inner = "stty rows 21 cols 77; NEMOCLAW_SKIP_BUILD=1 NEMOCLAW_HOME=" + dir.resolve("home")
        + " " + Cli.REPO.resolve("nemoclaw") + " run " + f
        + " -- sh -c 'tty; stty size; read x; echo got=$x; exit 5'";
    Process p = new ProcessBuilder("script", "-qec", inner, "/dev/null")
        .redirectErrorStream(true).start();
    p.getOutputStream().write("hello\r".getBytes());
    p.getOutputStream().flush();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish");
    String out = new String(p.getInputStream().readAllBytes());
    p.getOutputStream().close();
    assertEquals(5, p.exitValue(), out);
    assertTrue(out.contains("/dev/pts/0"), out);
    assertTrue(out.contains("21 77"), out);
    assertTrue(out.contains("got=hello"), out);
  }

  /** Without one (CI, pipes) it has no terminal at all. */
  @Test
  void withoutATerminalTheAgentHasNone() throws Exception {
    Cli.Result r = Cli.run(home(), null, "run", spec("").toString(), "--", "sh", "-c", "tty; true");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("not a tty"), r::toString);
  }
}
