package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy as code while the agent runs (issue 9): an edit of agent.yaml's network section, then an
 * org layer file that forbids the destination, reach the running sandbox within a second, and
 * a static edit (resources) is refused live and said.
 */
class HotReloadIT {
  @TempDir static Path work;
  static HttpServer origin;
  static boolean added;

  @BeforeAll
  static void start() throws Exception {
    added = TestNet.add();
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

  String spec(String allow, String memory) throws Exception {
    String loop = "i=0; while [ $i -lt 600 ]; do echo \"r$i: $(curl -s --max-time 20 http://"
        + TestNet.IP + ":" + origin.getAddress().getPort() + "/hot)\"; i=$((i+1)); sleep 0.05;"
        + " done";
    return """
        apiVersion: nemoclaw.dev/v1
        name: hot
        org: acme
        team: data
        command: [sh, -c, %s]
        resources: {memory: %s}
        network:
          mode: proxy
          unknown: deny
          allow: [%s]
        """.formatted(new ObjectMapper().writeValueAsString(loop), memory, allow);
  }

  @Test
  void editsOfAgentYamlAndOfALayerApplyToTheNextRequests() throws Exception {
    Path home = work.resolve("home");
    Path layers = Files.createDirectories(work.resolve("policy.d"));
    Path agent = work.resolve("agent.yaml");
    Files.writeString(agent, spec("", "512Mi"));
    Map<String, String> env = Map.of("NEMOCLAW_HOME", home.toString());
    Bg bg = Bg.start(env, work, "run", "--ci", "--policy-dir", layers.toString(),
        agent.toString());
    try {
      bg.awaitStdout("policy_denied", 30);
      long t0 = System.nanoTime();
      Files.writeString(agent, spec("{host: \"" + TestNet.IP + "\", ports: ["
          + origin.getAddress().getPort() + "]}", "1Gi"));
      bg.awaitStdout("hello from origin /hot", 10);
      long allowedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(bg.stderr().contains("resources changed but cannot change while the sandbox"
          + " runs"), bg::stderr);
      int before = bg.stdout().split("policy_denied", -1).length;
      Files.writeString(layers.resolve("acme.yaml"), """
          apiVersion: nemoclaw.dev/v1
          kind: PolicyLayer
          layer: org
          name: acme
          scopes:
            - match: "org:acme"
              deny: [{host: "%s"}]
          """.formatted(TestNet.IP));
      long t1 = System.nanoTime();
      while (bg.stdout().split("policy_denied", -1).length == before) {
        assertTrue(System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(10), bg::stdout);
        Thread.sleep(20);
      }
      long deniedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
      System.out.println("agent.yaml edit applied in ~" + allowedMs + " ms, layer edit in ~"
          + deniedMs + " ms (requests every 50 ms)");
      assertTrue(allowedMs < 2000 && deniedMs < 2000, allowedMs + " / " + deniedMs);
      // the denial names the layer
      String last = bg.stdout().lines().filter(l -> l.contains("policy_denied")).reduce((a, b) -> b)
          .orElseThrow();
      assertTrue(last.contains("org layer acme scopes[0] deny[0]"), last);
      // the running sandbox explains its own decision, with the layer file it came from
      Cli.Result why = Cli.run(env, null, "policy", "explain", "hot", "--host", TestNet.IP,
          "--port", String.valueOf(origin.getAddress().getPort()), "-o", "json");
      assertEquals(1, why.exit(), why::toString);
      com.fasterxml.jackson.databind.JsonNode j = new ObjectMapper().readTree(why.stdout());
      assertEquals("org", j.path("layer").asText(), why::toString);
      assertEquals(layers.resolve("acme.yaml").toString(), j.path("file").asText(), why::toString);
      assertTrue(j.path("shadowed").get(0).asText().startsWith("network.allow[0]"), why::toString);
    } finally {
      Cli.run(env, null, "stop", "hot");
      bg.waitFor();
    }
    List<String> lines = bg.stdout().lines().filter(l -> l.startsWith("r")).toList();
    assertTrue(lines.size() > 10, bg::stdout);
    // both reloads are in the audit log, with the content hash of each file then in force
    Cli.Result ocsf = Cli.run(env, null, "audit", "export", "hot", "--format", "ocsf");
    assertEquals(0, ocsf.exit(), ocsf::toString);
    List<com.fasterxml.jackson.databind.JsonNode> reloads = new java.util.ArrayList<>();
    for (String l : ocsf.stdout().lines().toList()) {
      com.fasterxml.jackson.databind.JsonNode e = new ObjectMapper().readTree(l);
      if (e.path("class_uid").asInt() == 5019) {
        reloads.add(e);
      }
    }
    assertEquals(2, reloads.size(), ocsf::toString);
    assertEquals("file", reloads.get(1).at("/unmapped/channel").asText());
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest
        .getInstance("SHA-256").digest(Files.readAllBytes(layers.resolve("acme.yaml"))));
    assertTrue(reloads.get(1).at("/unmapped/reason").asText().contains("acme.yaml sha256:" + sha),
        reloads.get(1)::toString);
  }

  @Test
  void aBrokenLayerFileStopsARunFromStartingAndNamesTheLine() throws Exception {
    Path layers = Files.createDirectories(work.resolve("bad.d"));
    Files.writeString(layers.resolve("team.yaml"), """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: team
        scopes:
          - match: "team:data"
            deny: [{hots: x.example}]
        """);
    Path agent = Files.writeString(work.resolve("bad-agent.yaml"), spec("", "256Mi"));
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", work.resolve("home2").toString()), null, "run",
        "--ci", "--policy-dir", layers.toString(), agent.toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains("team.yaml:6:") && r.stderr().contains("hots"), r::toString);
  }
}
