package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing leaves a sandbox whose decisions cannot be recorded: a run whose audit log cannot open
 * does not start, and when the disk under the log fills while the agent runs, its next requests
 * are denied. The full disk is real: a 4 MiB tmpfs as the state directory, filled by the test.
 */
class AuditFailClosedIT {
  @TempDir static Path work;
  static HttpServer origin;
  static boolean added;

  @BeforeAll
  static void start() throws Exception {
    added = TestNet.add(); // root only: also needed to mount the tmpfs
    origin = TestNet.http(50, TestNet::hello);
    TestNet.readableBySandbox(work);
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop(0);
    }
    TestNet.remove(added);
  }

  Path spec(String name, String script) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: %s
        command: [sh, -c, %s]
        network:
          mode: proxy
          unknown: deny
          allow: [{host: "%s", ports: [%d]}]
        """.formatted(name, new ObjectMapper().writeValueAsString(script), TestNet.IP,
        origin.getAddress().getPort()));
    return f;
  }

  String curl(String path) {
    return "curl -s --max-time 20 http://" + TestNet.IP + ":" + origin.getAddress().getPort()
        + path;
  }

  @Test
  void aLogThatCannotOpenStopsTheRunBeforeTheAgentStarts() throws Exception {
    Path home = work.resolve("broken");
    Files.createDirectories(home.resolve("state/audit/never"));
    Files.writeString(home.resolve("state/audit/never/head.json"), "{\"forged\":true}");
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, "run", "--ci",
        spec("never", "echo AGENT-RAN").toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(!r.stdout().contains("AGENT-RAN"), r::toString);
    assertTrue(r.stderr().contains("cannot write the audit log of never")
        && r.stderr().contains("nemoclaw audit verify never"), r::toString);
  }

  @Test
  void aDiskThatFillsMidRunDeniesTheNextRequests() throws Exception {
    Path home = work.resolve("full");
    Path state = Files.createDirectories(home.resolve("state"));
    sh("mount", "-t", "tmpfs", "-o", "size=4m", "nemoclaw-test-full", state.toString());
    try {
      Bg bg = Bg.start(Map.of("NEMOCLAW_HOME", home.toString()), work, "run", "--ci",
          spec("filling", "i=0; while [ $i -lt 400 ]; do echo \"r$i: $(" + curl("/f")
              + ")\"; i=$((i+1)); sleep 0.05; done").toString());
      bg.awaitStdout("hello from origin /f", 30);
      try (OutputStream o = Files.newOutputStream(state.resolve("ballast"))) {
        byte[] mb = new byte[1 << 20];
        while (true) {
          o.write(mb);
        }
      } catch (IOException full) {
        // ENOSPC: the disk is full now
      }
      bg.awaitStdout("policy_denied", 20);
      assertTrue(bg.stderr().contains("the audit log stopped taking events")
          && bg.stderr().contains("all egress is denied"), bg::stderr);
      assertEquals(0, Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, "stop", "filling")
          .exit());
      bg.waitFor();
      List<String> answers = bg.stdout().lines().filter(l -> l.startsWith("r")).toList();
      int first = 0;
      while (!answers.get(first).contains("policy_denied")) {
        first++;
      }
      String denied = answers.get(first);
      assertTrue(denied.contains("audit log"), denied);
      assertTrue(answers.subList(first, answers.size()).stream().noneMatch(l -> l.contains("hello")),
          bg::stdout);
    } finally {
      sh("umount", "-l", state.toString());
    }
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertEquals(0, p.waitFor(), String.join(" ", cmd));
  }
}
