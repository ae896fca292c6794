package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.HostPattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * `nemoclaw policy test` through the real launcher, with an isolated NEMOCLAW_HOME. Tagged e2e so
 * that a unit-test filter such as {@code -Dtest='PolicyTest*'} leaves it to failsafe.
 */
@Tag("e2e")
class PolicyTestIT {
  static final String EXAMPLE = "examples/curl-allowlist/agent.yaml";
  static final String EXAMPLE_CASES = "examples/curl-allowlist/policy-tests.yaml";

  @TempDir Path home;
  Path spec;
  Path cases;

  @BeforeEach
  void write() throws Exception {
    spec = Files.writeString(home.resolve("agent.yaml"), """
        apiVersion: nemoclaw.dev/v1
        name: ptest
        command: [sh]
        network:
          presets: [github]
          allow:
            - {host: uploads.example.com, methods: [PUT], paths: ["/files/**"], inspect: true}
          deny:
            - {host: "*.pastebin.com"}
        tools:
          - {match: "server:jira/tool:read_*", action: allow}
        """);
    cases = Files.writeString(home.resolve("cases.yaml"), """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyTest
        cases:
          - name: git may reach github
            request: {host: api.github.com, port: 443, binary: /usr/bin/git}
            expect: allow
            rule: "preset github*"
          - request: {host: x.pastebin.com, port: 443}
            expect: deny
          - request: {host: uploads.example.com, method: PUT, path: /files/a}
            expect: allow
            inspect: true
          - name: a wrong expectation
            request: {host: www.pastebin.com}
            expect: allow
          - request: {host: unknown.example.net}
            expect: ask
          - request: {server: jira, tool: read_issue}
            expect: allow
        """);
  }

  Cli.Result run(String... args) throws Exception {
    return Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, args);
  }

  @Test
  void theShippedExamplePasses() throws Exception {
    Path junit = home.resolve("reports/example.xml");
    Cli.Result r = run("policy", "test", EXAMPLE, EXAMPLE_CASES, "--junit", junit.toString());
    assertEquals(0, r.exit(), r::toString);
    List<String> lines = r.stdout().lines().toList();
    lines.subList(0, lines.size() - 1).forEach(l -> assertTrue(l.startsWith("PASS  "), r::toString));
    assertTrue(lines.size() >= 6, r::toString);
    assertEquals((lines.size() - 1) + " passed, 0 failed, 0 skipped", lines.getLast());
    Element suite = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(junit.toFile()).getElementsByTagName("testsuite").item(0);
    assertEquals(String.valueOf(lines.size() - 1), suite.getAttribute("tests"));
    assertEquals("0", suite.getAttribute("failures"));
  }

  @Test
  void failuresAndSkipsAreReportedAndExitOne() throws Exception {
    Cli.Result r = run("policy", "test", spec.toString(), cases.toString());
    assertEquals(1, r.exit(), r::toString);
    List<String> lines = r.stdout().lines().toList();
    assertEquals(List.of(
        "PASS  git may reach github",
        "PASS  x.pastebin.com:443",
        "PASS  uploads.example.com:443 PUT /files/a"), lines.subList(0, 3), r::toString);
    assertTrue(lines.get(3).startsWith("FAIL  a wrong expectation: expected allow, got deny by"
        + " network.deny[0] *.pastebin.com ("), r::toString);
    assertEquals("PASS  unknown.example.net:443", lines.get(4));
    assertEquals("PASS  tool jira/read_issue", lines.get(5));
    assertEquals("5 passed, 1 failed, 0 skipped", lines.get(6));
    assertEquals(7, lines.size(), r::toString);
  }

  @Test
  void jsonAndJunitCarryEveryCase() throws Exception {
    Path junit = home.resolve("out/policy.xml");
    Cli.Result r = run("policy", "test", spec.toString(), cases.toString(), "-o", "json",
        "--junit", junit.toString());
    assertEquals(1, r.exit(), r::toString);
    JsonNode j = new ObjectMapper().readTree(r.stdout());
    assertEquals(5, j.path("passed").asInt());
    assertEquals(1, j.path("failed").asInt());
    assertEquals(0, j.path("skipped").asInt());
    JsonNode fail = j.path("cases").get(3);
    assertEquals("a wrong expectation", fail.path("name").asText());
    assertEquals("allow", fail.path("expect").asText());
    assertEquals("deny", fail.path("got").asText());
    assertEquals("network.deny[0] *.pastebin.com", fail.path("rule").asText());
    assertFalse(fail.path("ok").asBoolean(true));
    assertEquals(true, j.path("cases").get(2).path("inspect").asBoolean());
    assertEquals("ask", j.path("cases").get(4).path("got").asText());
    assertFalse(j.path("cases").get(5).path("skipped").asBoolean());
    assertEquals("tools[0] server:jira/tool:read_*", j.path("cases").get(5).path("rule").asText());

    Element suite = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(junit.toFile()).getElementsByTagName("testsuite").item(0);
    assertEquals("6", suite.getAttribute("tests"));
    assertEquals("1", suite.getAttribute("failures"));
    assertEquals("0", suite.getAttribute("skipped"));
    try (var s = Files.list(junit.getParent())) {
      assertEquals(List.of(junit), s.toList(), "no temp file left beside the report");
    }
  }

  @Test
  void errorsInBothFilesAreAllPrintedAndExit125() throws Exception {
    Files.writeString(spec, "apiVersion: nemoclaw.dev/v1\nname: x\ncommand: [sh]\n"
        + "network: {allow: [{host: 'a b'}]}\n");
    Files.writeString(cases, "apiVersion: nemoclaw.dev/v1\nkind: PolicyTest\ncases:\n"
        + "  - request: {host: a.example, prot: 80}\n    expect: allow\n");
    Cli.Result r = run("policy", "test", spec.toString(), cases.toString());
    assertEquals(125, r.exit(), r::toString);
    assertTrue(r.stderr().contains(spec + ":4:"), r::toString);
    assertTrue(r.stderr().contains(cases + ":4:32: cases[0].request.prot: unknown key 'prot'"),
        r::toString);
    assertTrue(r.stderr().contains("2 error(s); nothing was tested"), r::toString);
    assertEquals("", r.stdout(), r::toString);

    Cli.Result swapped = run("policy", "test", EXAMPLE_CASES, EXAMPLE);
    assertEquals(125, swapped.exit(), swapped::toString);
    assertTrue(swapped.stderr().contains("this looks like an agent.yaml"), swapped::toString);

    Cli.Result usage = run("policy", "test", spec.toString());
    assertEquals(2, usage.exit(), usage::toString);
    assertTrue(usage.stderr().contains("CASES"), usage::toString);
  }

  @Test
  void storedRevisionsAreLeftOutUnlessAskedFor() throws Exception {
    new PolicyStore(home.resolve("state/policies/ptest")).append(List.of(new AllowRule(
        HostPattern.parse("unknown.example.net"), List.of(443), List.of(), List.of(), List.of(),
        false)), List.of(), "alice", "cli", "always allow unknown.example.net:443");
    Cli.Result alone = run("policy", "test", spec.toString(), cases.toString());
    assertTrue(alone.stdout().contains("PASS  unknown.example.net:443\n"), alone::toString);
    assertFalse(alone.stderr().contains("revision"), alone::toString);

    Cli.Result layered = run("policy", "test", "--store", spec.toString(), cases.toString());
    assertTrue(layered.stdout().contains("FAIL  unknown.example.net:443: expected ask, got allow"
        + " by revision 1 allow[0] unknown.example.net ("), layered::toString);
    assertTrue(layered.stderr().contains("with policy revision 1 of ptest"), layered::toString);

    Cli.Result explain = run("policy", "explain", spec.toString(), "--host",
        "unknown.example.net", "--port", "443");
    assertEquals(0, explain.exit(), explain::toString);
    Cli.Result explainAlone = run("policy", "explain", "--no-store", spec.toString(), "--host",
        "unknown.example.net", "--port", "443");
    assertEquals(1, explainAlone.exit(), explainAlone::toString);
    assertTrue(explainAlone.stdout().contains("rule:    network.unknown: ask"),
        explainAlone::toString);
  }

  /** examples/layers and its cases stay in step (docs/policy-layers.md). */
  @Test
  void theLayersExamplePasses() throws Exception {
    Cli.Result r = run("policy", "test", "--policy-dir", "examples/layers/policy.d",
        "examples/layers/agent.yaml", "examples/layers/policy-tests.yaml");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("4 passed, 0 failed, 0 skipped"), r::toString);
  }

  @Test
  void policyLayersApplyAndBrokenOnesStopTheTest() throws Exception {
    Path empty = Files.createDirectories(home.resolve("empty.d"));
    Cli.Result ok = run("policy", "test", "--policy-dir", empty.toString(), EXAMPLE,
        EXAMPLE_CASES);
    assertEquals(0, ok.exit(), ok::toString);

    Cli.Result missing = run("policy", "test", "--policy-dir", home.resolve("nope").toString(),
        EXAMPLE, EXAMPLE_CASES);
    assertEquals(125, missing.exit(), missing::toString);
    assertTrue(missing.stderr().contains("no such directory"), missing::toString);

    // the default layer directory applies: an org-wide deny fails the case that expects allow
    Path layers = Files.createDirectories(home.resolve("config/policy.d"));
    Files.writeString(layers.resolve("org.yaml"), """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: org
        name: everyone
        scopes:
          - match: "*"
            deny: [{host: example.com, ports: [80]}]
        """);
    Cli.Result denied = run("policy", "test", EXAMPLE, EXAMPLE_CASES);
    assertEquals(1, denied.exit(), denied::toString);
    assertTrue(denied.stdout().contains("org layer everyone scopes[0] deny[0] example.com"),
        denied::toString);
    Cli.Result why = run("policy", "explain", EXAMPLE, "--host", "example.com", "--port", "80");
    assertEquals(1, why.exit(), why::toString);
    assertTrue(why.stdout().contains("layer:   org (" + layers.resolve("org.yaml") + ")"),
        why::toString);

    Files.writeString(layers.resolve("org.yaml"), "deny: [{host: example.com}]\n");
    for (List<String> cmd : List.of(List.of("policy", "test", EXAMPLE, EXAMPLE_CASES),
        List.of("policy", "explain", EXAMPLE, "--host", "example.com", "--port", "80"))) {
      Cli.Result r = run(cmd.toArray(String[]::new));
      assertEquals(125, r.exit(), r::toString);
      assertTrue(r.stderr().contains(layers.resolve("org.yaml") + ":1:1"), r::toString);
      assertEquals("", r.stdout(), r::toString);
    }
  }


  @Test
  void helpIsTheManual() throws Exception {
    Cli.Result r = run("policy", "test", "--help");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("Usage: nemoclaw policy test"), r::toString);
    for (String s : List.of("kind: PolicyTest", "--junit", "--[no-]store", "--policy-dir",
        "125", "docs/policy-test.md")) {
      assertTrue(r.stdout().contains(s), () -> "help lacks " + s + "\n" + r);
    }
    Cli.Result policy = run("policy", "--help");
    assertTrue(policy.stdout().contains("  test "), policy::toString);
  }
}
