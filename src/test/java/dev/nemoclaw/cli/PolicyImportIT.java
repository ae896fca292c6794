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

/**
 * `nemoclaw policy import` through the real launcher: the agent.yaml it writes validates, and
 * `policy explain` on it decides as the OpenShell policy did (or stricter).
 */
class PolicyImportIT {
  static final Path FIXTURES = Cli.REPO.resolve("tests/fixtures/openshell");

  @TempDir Path dir;

  /** An empty NEMOCLAW_HOME, so that no policy store of another test is layered in. */
  Cli.Result run(String... args) throws Exception {
    return Cli.run(Map.of("NEMOCLAW_HOME", dir.resolve("home").toString()), null, args);
  }

  @Test
  void importedAgentYamlValidatesAndExplainDecidesByBinary() throws Exception {
    Path out = dir.resolve("agent.yaml");
    Cli.Result imp = run("policy", "import", FIXTURES.resolve("agent-sandbox.yaml").toString(),
        "--name", "claw", "--out", out.toString());
    assertEquals(0, imp.exit(), imp::toString);
    assertEquals("", imp.stdout());
    assertTrue(imp.stderr().contains("note: line 88 network_policies.vscode.binaries[0]"),
        imp::toString);
    assertTrue(imp.stderr().contains("wrote " + out), imp::toString);
    String yaml = Files.readString(out);
    assertTrue(yaml.startsWith("# agent.yaml imported from the OpenShell policy "), yaml);
    assertTrue(yaml.contains("\nname: claw\n"), yaml);

    Cli.Result v = run("policy", "validate", out.toString());
    assertEquals(0, v.exit(), v::toString);
    assertEquals("OK " + out + "\n", v.stdout());

    Cli.Result git = run("policy", "explain", out.toString(), "--host", "github.com", "--port",
        "443", "--binary", "/usr/bin/git");
    assertEquals(0, git.exit(), git::toString);
    assertTrue(git.stdout().startsWith("verdict: allow\n"), git::toString);
    Cli.Result curl = run("policy", "explain", out.toString(), "--host", "github.com", "--port",
        "443", "--binary", "/usr/bin/curl", "-o", "json");
    assertEquals(1, curl.exit(), curl::toString);
    JsonNode j = new ObjectMapper().readTree(curl.stdout());
    assertEquals("unknown", j.path("verdict").asText());
    assertEquals("network.unknown: deny", j.path("rule").asText(), curl::toString);
    Cli.Result post = run("policy", "explain", out.toString(), "--host", "docs.example.org",
        "--port", "443", "--method", "POST", "--path", "/x", "--binary", "/usr/local/bin/agent");
    assertEquals(1, post.exit(), post::toString);
    Cli.Result get = run("policy", "explain", out.toString(), "--host", "docs.example.org",
        "--port", "443", "--method", "GET", "--path", "/x", "--binary", "/usr/local/bin/agent");
    assertEquals(0, get.exit(), get::toString);
  }

  @Test
  void jsonHasSpecAndFindings() throws Exception {
    Cli.Result r = run("policy", "import", FIXTURES.resolve("github-readonly.yaml").toString(),
        "-o", "json");
    assertEquals(0, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertEquals(List.of("spec", "findings"), iterable(j.fieldNames()));
    assertEquals("github-readonly", j.path("spec").path("name").asText());
    assertEquals("1500:1500", j.path("spec").path("user").asText());
    JsonNode f = j.path("findings").get(0);
    assertEquals(List.of("line", "path", "message", "action"), iterable(f.fieldNames()));
    assertTrue(j.path("findings").size() > 3, r::toString);
  }

  @Test
  void outRefusesToOverwriteWithoutForce() throws Exception {
    Path out = Files.writeString(dir.resolve("agent.yaml"), "keep me\n");
    String policy = FIXTURES.resolve("preset-pypi.yaml").toString();
    Cli.Result r = run("policy", "import", policy, "--out", out.toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.stderr().contains("--force"), r::toString);
    assertEquals("keep me\n", Files.readString(out));
    Cli.Result forced = run("policy", "import", policy, "--out", out.toString(), "--force");
    assertEquals(0, forced.exit(), forced::toString);
    assertTrue(Files.readString(out).contains("\nname: pypi\n"));
  }

  @Test
  void strictFailsOnFindingsAndWritesNothing() throws Exception {
    Path out = dir.resolve("agent.yaml");
    Cli.Result r = run("policy", "import", FIXTURES.resolve("agent-sandbox.yaml").toString(),
        "--strict", "--out", out.toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.stderr().contains("--strict"), r::toString);
    assertFalse(Files.exists(out));
  }

  @Test
  void invalidPolicyNamesFileLineAndField() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), """
        version: 1
        network_policies:
          p:
            endpoints:
              - {host: a.example.com, port: 443, tls: inspect}
            binaries: [{path: /usr/bin/curl}]
        """);
    Cli.Result r = run("policy", "import", bad.toString());
    assertEquals(1, r.exit(), r::toString);
    assertEquals("", r.stdout());
    assertTrue(r.stderr().contains(bad + ":5:47: network_policies.p.endpoints[0].tls: 'inspect'"),
        r::toString);
    Cli.Result spec = run("policy", "import", Cli.REPO.resolve("examples/hello/agent.yaml")
        .toString());
    assertEquals(1, spec.exit(), spec::toString);
    assertTrue(spec.stderr().contains("not an OpenShell policy"), spec::toString);
  }

  @Test
  void usageErrors() throws Exception {
    Cli.Result name = run("policy", "import", FIXTURES.resolve("preset-pypi.yaml").toString(),
        "--name", "Bad_Name");
    assertEquals(2, name.exit(), name::toString);
    Cli.Result format = run("policy", "import", FIXTURES.resolve("preset-pypi.yaml").toString(),
        "-o", "xml");
    assertEquals(2, format.exit(), format::toString);
    Cli.Result help = run("policy", "import", "--help");
    assertEquals(0, help.exit(), help::toString);
    assertTrue(help.stdout().startsWith("Usage: nemoclaw policy import"), help::toString);
    assertTrue(help.stdout().contains("Example:"), help::toString);
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
