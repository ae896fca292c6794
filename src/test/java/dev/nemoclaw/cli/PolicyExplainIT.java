package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nemoclaw policy explain` through the real launcher: verdicts, exit codes, -o json. */
class PolicyExplainIT {
  @TempDir Path dir;
  Path spec;

  @BeforeEach
  void write() throws Exception {
    spec = Files.writeString(dir.resolve("agent.yaml"), """
        apiVersion: nemoclaw.dev/v1
        name: explain
        command: [sh]
        network:
          presets: [github]
          allow:
            - {host: api.github.com, methods: [GET], paths: ["/repos/**"], ports: [80]}
            - {host: "*.example.com", binaries: [/usr/bin/curl]}
          deny:
            - {host: "*.pastebin.com"}
        """);
  }

  Cli.Result explain(String... args) throws Exception {
    List<String> all = new java.util.ArrayList<>(List.of("policy", "explain", spec.toString()));
    all.addAll(List.of(args));
    return Cli.run(all.toArray(String[]::new));
  }

  @Test
  void anOrgLayerDenyOutranksTheAgentsAllowAndExplainNamesItsFileAndWhatItShadows()
      throws Exception {
    Path layers = Files.createDirectories(dir.resolve("policy.d"));
    Files.writeString(spec, Files.readString(spec).replace("name: explain",
        "name: explain\norg: acme"));
    Path org = Files.writeString(layers.resolve("acme.yaml"), """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: org
        name: acme
        scopes:
          - match: "org:acme"
            deny: [{host: api.github.com, ports: [443]}]
        """);
    Cli.Result r = explain("--host", "api.github.com", "--port", "443", "--policy-dir",
        layers.toString(), "-o", "json");
    assertEquals(1, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertEquals("deny", j.path("verdict").asText(), r::toString);
    assertEquals("org layer acme scopes[0] deny[0] api.github.com", j.path("rule").asText());
    assertEquals("org", j.path("layer").asText());
    assertEquals(org.toString(), j.path("file").asText());
    assertTrue(j.path("shadowed").toString().contains("preset github"), r::toString);
    assertTrue(r.stderr().contains("1 policy layer(s) from " + layers + " (org acme)"), r::toString);
    Cli.Result text = explain("--host", "api.github.com", "--port", "443", "--policy-dir",
        layers.toString());
    assertTrue(text.stdout().contains("layer:   org (" + org + ")"), text::toString);
    // a layer scoped to another org does not apply
    Files.writeString(org, Files.readString(org).replace("org:acme", "org:other"));
    assertEquals(0, explain("--host", "api.github.com", "--port", "443", "--policy-dir",
        layers.toString()).exit());
    Cli.Result nobody = Cli.run("policy", "explain", "no-such-sandbox", "--host", "a.example",
        "--port", "443");
    assertEquals(1, nobody.exit(), nobody::toString);
    assertTrue(nobody.stderr().contains("neither a file nor a running sandbox"), nobody::toString);
  }

  @Test
  void allowedByAPresetExitsZeroAndNamesThePresetRule() throws Exception {
    Cli.Result r = explain("--host", "api.github.com", "--port", "443");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("verdict: allow\n"), r::toString);
    assertTrue(r.stdout().contains("rule:    preset github allow[1] api.github.com\n"), r::toString);
  }

  @Test
  void denyWinsAndExitsOneWithAHint() throws Exception {
    Cli.Result r = explain("--host", "x.pastebin.com", "--port", "443", "-o", "json");
    assertEquals(1, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertEquals("deny", j.path("verdict").asText());
    assertEquals("network.deny[0] *.pastebin.com", j.path("rule").asText());
    assertTrue(j.path("hint").asText().contains("network.deny[0]"), r::toString);
    assertEquals(List.of("verdict", "rule", "reason", "hint", "inspect", "layer", "revision",
        "file", "shadowed"), iterable(j.fieldNames()));
    assertEquals("agent", j.path("layer").asText());
  }

  @Test
  void l7RuleAndBinariesNeedWhatTheRequestShows() throws Exception {
    Cli.Result get = explain("--host", "api.github.com", "--port", "80", "--method", "get",
        "--path", "/repos/a/b?page=2");
    assertEquals(0, get.exit(), get::toString);
    assertTrue(get.stdout().contains("network.allow[0] api.github.com"), get::toString);
    Cli.Result sneaky = explain("--host", "api.github.com", "--port", "80", "--method", "GET",
        "--path", "/repos/../admin");
    assertEquals(1, sneaky.exit(), sneaky::toString);
    assertTrue(sneaky.stdout().startsWith("verdict: unknown\n"), sneaky::toString);
    Cli.Result tunnel = explain("--host", "api.github.com", "--port", "80");
    assertEquals(1, tunnel.exit(), tunnel::toString);
    assertTrue(tunnel.stdout().contains("hint:    set inspect: true on network.allow[0]"),
        tunnel::toString);

    Cli.Result noBinary = explain("--host", "a.example.com", "--port", "443", "-o", "json");
    JsonNode j = new ObjectMapper().readTree(noBinary.stdout());
    assertEquals("unknown", j.path("verdict").asText(), noBinary::toString);
    assertEquals("network.unknown: ask", j.path("rule").asText());
    Cli.Result curl = explain("--host", "a.example.com", "--port", "443", "--binary",
        "/usr/bin/curl", "-o", "json");
    assertEquals(0, curl.exit(), curl::toString);
    JsonNode c = new ObjectMapper().readTree(curl.stdout());
    assertTrue(c.path("hint").isNull(), curl::toString);
    assertEquals(false, c.path("inspect").asBoolean(true));
  }

  @Test
  void brokenSpecExits125WithValidateStyleErrors() throws Exception {
    Files.writeString(spec, "apiVersion: nemoclaw.dev/v1\nname: x\ncommand: [sh]\n"
        + "network: {allow: [{host: 'a b'}]}\n");
    Cli.Result r = explain("--host", "a", "--port", "443");
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains(spec + ":4:"), r::toString);
    assertTrue(r.stderr().contains("network.allow[0].host"), r::toString);
    assertEquals("", r.stdout(), r::toString);
  }

  @Test
  void missingPortIsAUsageError() throws Exception {
    Cli.Result r = explain("--host", "a.example.com");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.stderr().contains("--port"), r::toString);
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
