package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backend docker end to end against the real engine (scripts/test starts dockerd): exit codes,
 * limits, images from the engine, the container's lifecycle (labels, removal, kill -9 of the
 * supervisor, the sweep). The escape suite and the approval tests run on it too (EscapeIT,
 * ApprovalsIT).
 */
class DockerIT {
  /** A tiny image with a shell and a marker file, made locally (no registry is reachable). */
  static final String IMAGE = "nemoclaw-test-dash:1";
  /** The same with a CMD. */
  static final String IMAGE_CMD = "nemoclaw-test-dash:cmd";

  @TempDir static Path work;

  @BeforeAll
  static void engine() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path root = Files.createDirectories(work.resolve("rootfs/etc"));
    Files.writeString(root.resolve("image-marker"), "from the image\n");
    // dash and the two libraries it needs, nothing else
    Process tar = new ProcessBuilder("sh", "-c", "tar -C / -chf " + work.resolve("img.tar")
        + " usr/bin/dash lib/x86_64-linux-gnu/libc.so.6 lib64/ld-linux-x86-64.so.2 && tar -C "
        + work.resolve("rootfs") + " -rf " + work.resolve("img.tar") + " etc && docker import "
        + work.resolve("img.tar") + " " + IMAGE + " && docker import -c 'CMD [\"/usr/bin/dash\","
        + " \"-c\", \"echo the image command\"]' " + work.resolve("img.tar") + " " + IMAGE_CMD
        + " && docker save -o " + work.resolve("saved.tar") + " " + IMAGE)
        .redirectErrorStream(true).start();
    String out = new String(tar.getInputStream().readAllBytes());
    assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, out);
  }

  Path spec(String name, String body) throws Exception {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: " + name + "\n" + body);
    return f;
  }

  Map<String, String> home(String h) {
    return Map.of("NEMOCLAW_HOME", work.resolve(h).toString());
  }

  static String containers(String name) throws Exception {
    return Docker.run("ps", "-aq", "--filter", "label=dev.nemoclaw.sandbox=" + name).strip();
  }

  @Test
  void exitCodesTimeoutAndCommandNotFoundAreTheNativeOnes() throws Exception {
    Path f = spec("codes", "command: [sh, -c, 'exit 3']\nnetwork: {mode: none}\n");
    assertEquals(3, Cli.run(home("c"), null, "run", "--backend", "docker", f.toString()).exit());
    Cli.Result missing = Cli.run(home("c"), null, "run", "--backend", "docker", f.toString(),
        "--", "no-such-command");
    assertEquals(127, missing.exit(), missing::toString);
    Path slow = spec("slow", "command: [sleep, '30']\nresources: {timeout: 2s}\n"
        + "network: {mode: none}\n");
    Cli.Result timedOut = Cli.run(home("c"), null, "run", "--backend", "docker",
        slow.toString());
    assertEquals(124, timedOut.exit(), timedOut::toString);
    assertEquals("", containers("codes") + containers("slow"), "containers left behind");
  }

  @Test
  void aMemoryBombIsKilledAndReportedAsOutOfMemory() throws Exception {
    Path f = spec("oom", """
        command: [python3, -c, "b = []\\nwhile True: b.append(bytearray(1 << 20))"]
        resources: {memory: 64Mi}
        network: {mode: none}
        """);
    Path report = work.resolve("oom.json");
    Cli.Result r = Cli.run(home("o"), null, "run", "--backend", "docker", "--report",
        report.toString(), f.toString());
    assertEquals(137, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(report.toFile());
    assertEquals("OomKilled", j.path("outcome").asText(), j::toString);
    assertEquals("docker", j.path("sandbox").path("backend").asText(), j::toString);
    assertFalse(j.path("sandbox").path("namespaces").toString().contains("user"), j::toString);
  }

  @Test
  void anImageOfTheEngineIsTheRootAndIsNeverPulledSilently() throws Exception {
    Path f = spec("img", "image: docker:" + IMAGE + "\ncommand: [/usr/bin/dash, -c, "
        + "'read l < /etc/image-marker; echo $l; test -e /usr/bin/python3 || echo no-host-files']\n"
        + "network: {mode: none}\n");
    Cli.Result r = Cli.run(home("i"), null, "run", "--backend", "docker", f.toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals("from the image\nno-host-files\n", r.stdout());
    Path own = spec("img-cmd", "image: docker:" + IMAGE_CMD + "\nnetwork: {mode: none}\n");
    Cli.Result cmd = Cli.run(home("i"), null, "run", "--backend", "docker", own.toString());
    assertEquals("the image command\n", cmd.stdout(), cmd::toString);
    Path absent = spec("absent", "image: docker:nemoclaw-test-absent:9\ncommand: [x]\n");
    Cli.Result no = Cli.run(home("i"), null, "run", "--backend", "docker", absent.toString());
    assertEquals(125, no.exit(), no::toString);
    assertTrue(no.stderr().contains("docker pull nemoclaw-test-absent:9"), no::toString);
    assertTrue(no.stderr().contains("--pull"), no::toString);
  }

  /** An OCI/docker-archive tar, unpacked into the cache, is the root on this backend too. */
  @Test
  void anOciArchiveFromTheCacheIsTheRootToo() throws Exception {
    Path f = spec("oci-docker", "image: oci:" + work.resolve("saved.tar")
        + "\ncommand: [/usr/bin/dash, -c, 'read l < /etc/image-marker; echo $l']\n"
        + "network: {mode: none}\n");
    Cli.Result r = Cli.run(home("a"), null, "run", "--backend", "docker", f.toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals("from the image\n", r.stdout(), r::toString);
  }

  @Test
  void psShowsTheContainerAndItsLabelsWhileItRuns() throws Exception {
    Map<String, String> env = home("p");
    Path f = spec("ps-docker", "command: [sleep, '60']\nnetwork: {mode: none}\n");
    Bg bg = Bg.start(env, work, "run", "--backend", "docker", f.toString());
    try {
      JsonNode mine = null;
      for (int i = 0; i < 100 && mine == null; i++) {
        Cli.Result ps = Cli.run(env, null, "ps", "-o", "json");
        for (JsonNode n : new ObjectMapper().readTree(ps.stdout())) {
          if (n.path("name").asText().equals("ps-docker")) {
            mine = n;
          }
        }
        Thread.sleep(100);
      }
      assertTrue(mine != null, "never in ps");
      assertEquals("docker", mine.path("backend").asText(), mine::toString);
      for (int i = 0; i < 100 && containers("ps-docker").isEmpty(); i++) {
        Thread.sleep(100); // ps lists the run as soon as it registers, before the container
      }
      assertFalse(containers("ps-docker").isEmpty(), "no container labelled ps-docker");
      assertEquals(0, Cli.run(env, null, "stop", "ps-docker").exit());
      bg.p().waitFor(30, TimeUnit.SECONDS);
    } finally {
      bg.p().destroyForcibly();
    }
    assertEquals("", containers("ps-docker"), "the container outlived its run");
  }

  /** kill -9 of the supervisor: the init's lifeline ends the container; the sweep the rest. */
  @Test
  void killingTheSupervisorEndsTheContainerAndTheNextRunSweepsItsTraces() throws Exception {
    Map<String, String> env = home("k");
    Path f = spec("orphan", "command: [sleep, '300']\nnetwork: {mode: proxy}\n");
    Bg bg = Bg.start(env, work, "run", "--backend", "docker", f.toString());
    for (int i = 0; i < 200 && containers("orphan").isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertFalse(containers("orphan").isEmpty(), "never started");
    Thread.sleep(1000); // the plan has been handed over
    bg.p().destroyForcibly(); // SIGKILL: no clean-up code runs
    bg.p().waitFor(10, TimeUnit.SECONDS);
    for (int i = 0; i < 100 && !containers("orphan").isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertEquals("", containers("orphan"), "the container outlived its supervisor");
    Path runs = work.resolve("k/state/docker");
    Cli.Result next = Cli.run(env, null, "run", "--backend", "docker",
        spec("next", "command: ['true']\nnetwork: {mode: none}\n").toString());
    assertEquals(0, next.exit(), next::toString);
    try (Stream<Path> left = Files.list(runs)) {
      assertEquals(0, left.count(), "run directories left behind in " + runs);
    }
  }
}
