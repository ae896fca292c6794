package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `run` before anything starts: bad specs, --dry-run; and where mount sources may live. */
class RunSpecIT {
  @TempDir Path dir;

  @Test
  void unknownKeyAtLine4Exits125NamingLine4() throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: bad\ncommand: [\"true\"]\n"
        + "comand: oops\n");
    Cli.Result r = Cli.run("run", f.toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains(f + ":4:1: comand: unknown key 'comand'"), r::toString);
    assertTrue(r.stderr().contains("did you mean 'command'"), r::toString);
  }

  @Test
  void everyErrorIsReportedNotOnlyTheFirst() throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: Bad_Name\ncommand: [x]\n"
        + "resources: {memory: lots, pids: 0}\n");
    Cli.Result r = Cli.run("run", f.toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains(":2:7: name:"), r::toString);
    assertTrue(r.stderr().contains(":4:21: resources.memory:"), r::toString);
    assertTrue(r.stderr().contains("resources.pids:"), r::toString);
  }

  @Test
  void missingFileExits125() throws Exception {
    Cli.Result r = Cli.run("run", dir.resolve("nope.yaml").toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains("nope.yaml"), r::toString);
  }

  @Test
  void validateSaysOkOrListsErrors() throws Exception {
    Cli.Result ok = Cli.run("policy", "validate", "examples/hello/agent.yaml");
    assertEquals(0, ok.exit(), ok::toString);
    assertTrue(ok.stdout().startsWith("OK "), ok::toString);
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v2\nname: x\ncommand: [x]\n");
    Cli.Result bad = Cli.run("policy", "validate", f.toString());
    assertEquals(1, bad.exit(), bad::toString);
    assertTrue(bad.stderr().contains(":1:13: apiVersion:"), bad::toString);
  }

  @Test
  void dryRunPrintsThePlanAndStartsNothing() throws Exception {
    Cli.Result r = Cli.run(Map.of("MY_SECRET_TOKEN", "hunter2"), null,
        "run", "--dry-run", "--name", "dry", "examples/hello/agent.yaml", "--", "id");
    assertEquals(0, r.exit(), r::toString);
    JsonNode plan = new ObjectMapper().readTree(r.stdout());
    assertEquals("dry", plan.path("name").asText());
    assertEquals("id", plan.path("command").path(0).asText());
    assertEquals(1000, plan.path("user").path("uid").asInt());
    assertFalse(r.stdout().contains("hunter2"), "host env leaked into the plan");
    assertTrue(plan.path("protections").isArray());
    for (JsonNode p : plan.path("protections")) {
      assertTrue(p.has("name") && p.has("active") && p.has("detail"), p::toString);
    }
  }

  @Test
  void presetsListAndShow() throws Exception {
    Cli.Result list = Cli.run("presets", "list");
    assertEquals(0, list.exit(), list::toString);
    assertTrue(list.stdout().contains("npm"), list::toString);
    Cli.Result show = Cli.run("presets", "show", "npm");
    assertTrue(show.stdout().contains("registry.npmjs.org"), show::toString);
    // pasted into agent.yaml, a wildcard must not read as a YAML alias
    Cli.Result wild = Cli.run("presets", "show", "discord");
    assertTrue(wild.stdout().contains("- {host: \"*.discord.gg\", ports: [443]"), wild::toString);
    Cli.Result unknown = Cli.run("presets", "show", "nope");
    assertEquals(1, unknown.exit(), unknown::toString);
    assertTrue(unknown.stderr().contains("github"), unknown::toString);
  }

  /**
   * As root, a project under a 0700 directory (a checkout in /root) mounts: the outer init clones
   * the source before the namespaces, where the sandbox's own user could not walk to it. The
   * clone is as read-only as any other ro mount.
   */
  @Test
  void rootMountsASourceBelowAPrivateDirectory() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "only root's runs clone sources");
    Path home = dir.resolve("private");
    Path project = home.resolve("project");
    Files.createDirectories(project);
    Files.writeString(project.resolve("f"), "from the project\n");
    Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions
        .fromString("rwx------"));
    Files.writeString(project.resolve("agent.yaml"), """
        apiVersion: nemoclaw.dev/v1
        name: private-mount
        command: [sh, -c, "cat /sandbox/f; touch /sandbox/g 2>&1 | sed 's/.*: //'"]
        mounts:
          - {source: ., target: /sandbox, mode: ro}
        network: {mode: none}
        """);
    Cli.Result r = Cli.run("run", project.resolve("agent.yaml").toString());
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("from the project\n"), r::toString);
    assertTrue(r.stdout().contains("Read-only file system"), r::toString);
    assertFalse(Files.exists(project.resolve("g")));
  }

  /**
   * A sandbox never sees nemoclaw's own directories: a mount that covers the config dir (the
   * credentials file and audit key) or lies inside the state dir (policy, audit logs) is refused
   * before anything starts, and so is one covering the user's default dirs while NEMOCLAW_HOME
   * points elsewhere.
   */
  @Test
  void mountsThatWouldExposeNemoclawsOwnDirectoriesAreRefused() throws Exception {
    Path home = dir.resolve("nchome");
    Files.createDirectories(home.resolve("config"));
    Files.writeString(home.resolve("config/credentials"), "NVIDIA_API_KEY=secret\n");
    Files.createDirectories(home.resolve("state/audit/x"));
    for (String source : List.of(dir.toString(), home.resolve("state/audit/x").toString(),
        System.getProperty("user.home"))) {
      Path f = dir.resolve("expose.yaml");
      Files.writeString(f, """
          apiVersion: nemoclaw.dev/v1
          name: expose
          command: [cat, /data/config/credentials]
          mounts:
            - {source: "SRC", target: /data}
          network: {mode: none}
          """.replace("SRC", source));
      Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, "run",
          f.toString());
      assertEquals(125, r.exit(), source + ": " + r);
      assertTrue(r.stderr().contains("nemoclaw's own directory"), r::toString);
      assertFalse(r.stdout().contains("secret"), r::toString);
    }
  }
}
