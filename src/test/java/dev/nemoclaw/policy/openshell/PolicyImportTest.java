package dev.nemoclaw.policy.openshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.RuleText;
import dev.nemoclaw.policy.openshell.Finding.Action;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.Presets;
import dev.nemoclaw.spec.SeccompProfiles;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenShell policy → agent.yaml: each construct, each finding, errors, and the fixtures. */
class PolicyImportTest {
  static final Path FIXTURES = Path.of("tests/fixtures/openshell").toAbsolutePath();

  @TempDir Path dir;

  static ImportedSpec imp(String yaml) throws ImportException {
    return OpenShellImport.convert("p.yaml", yaml, Optional.empty());
  }

  /** A policy with one network policy holding {@code endpoint} (YAML, 6 spaces in). */
  static ImportedSpec endpoint(String endpoint, String... binaries) throws ImportException {
    StringBuilder y = new StringBuilder(
        "version: 1\nnetwork_policies:\n  p:\n    endpoints:\n      - ");
    y.append(endpoint.strip().replace("\n", "\n        ")).append("\n    binaries:\n");
    for (String b : binaries.length == 0 ? new String[] {"/usr/bin/curl"} : binaries) {
      y.append("      - {path: \"").append(b).append("\"}\n");
    }
    return imp(y.toString());
  }

  /** The output loaded by nemoclaw's own spec loader: it must always load. */
  AgentSpec load(ImportedSpec s) throws Exception {
    Path profiles = Files.createDirectories(dir.resolve("profiles"));
    Files.writeString(profiles.resolve("default.json"), "{}");
    Path file = Files.writeString(dir.resolve("agent.yaml"), s.yaml());
    try {
      return new SpecLoader(new Presets(Path.of("presets").toAbsolutePath()),
          new SeccompProfiles(profiles)).read(file, Map.of());
    } catch (SpecException e) {
      throw new AssertionError(e.errors() + "\n" + s.yaml(), e);
    }
  }

  String verdict(ImportedSpec s, String host, int port, String method, String path,
      String binary) throws Exception {
    CompiledPolicy p = CompiledPolicy.compile(load(s).network());
    Decision d = p.decide(new EgressRequest(host, port, Optional.ofNullable(method),
        Optional.ofNullable(path), Optional.ofNullable(binary)));
    return switch (d) {
      case Decision.Allow a -> "allow";
      case Decision.Deny n -> "deny";
      case Decision.Unknown u -> "unknown";
    };
  }

  static List<String> rules(ImportedSpec s) {
    return s.allow().stream().map(i -> RuleText.flow(i.value())).toList();
  }

  static Finding only(ImportedSpec s, String pathPart) {
    List<Finding> f = s.findings().stream().filter(x -> x.path().contains(pathPart)).toList();
    assertEquals(1, f.size(), () -> "findings at " + pathPart + ": " + s.findings());
    return f.get(0);
  }

  // --- network constructs --------------------------------------------------------------------

  @Test
  void plainEndpointIsAnOpaqueAllowForItsBinariesOnly() throws Exception {
    ImportedSpec s = endpoint("{host: api.example.com, port: 443}", "/usr/bin/curl",
        "/usr/bin/git");
    assertEquals(List.of("{host: api.example.com, ports: [443], binaries: [/usr/bin/curl,"
        + " /usr/bin/git]}"), rules(s));
    assertEquals("allow", verdict(s, "api.example.com", 443, null, null, "/usr/bin/git"));
    assertEquals("unknown", verdict(s, "api.example.com", 443, null, null, "/usr/bin/wget"));
    assertEquals("unknown", verdict(s, "api.example.com", 80, null, null, "/usr/bin/git"));
    assertEquals(org.junit.jupiter.api.Assertions.assertInstanceOf(
        dev.nemoclaw.spec.UnknownAction.class, load(s).network().unknown()).name(), "DENY");
  }

  @Test
  void portsListAndAccessFullAreExact() throws Exception {
    ImportedSpec s = endpoint("{host: api.example.com, ports: [443, 8443], protocol: rest,"
        + " enforcement: enforce, access: full}");
    assertEquals(List.of("{host: api.example.com, ports: [443, 8443], binaries: [/usr/bin/curl]}"),
        rules(s));
    assertTrue(s.findings().stream().noneMatch(f -> f.path().contains("endpoints")),
        () -> s.findings().toString());
  }

  @Test
  void accessPresetsExpandToMethodListsAndAreInspected() throws Exception {
    ImportedSpec ro = endpoint("{host: api.example.com, port: 443, protocol: rest,"
        + " enforcement: enforce, access: read-only}");
    assertEquals(List.of("{host: api.example.com, ports: [443], methods: [GET, HEAD, OPTIONS],"
        + " binaries: [/usr/bin/curl], inspect: true}"), rules(ro));
    assertEquals("allow", verdict(ro, "api.example.com", 443, "GET", "/x", "/usr/bin/curl"));
    assertEquals("unknown", verdict(ro, "api.example.com", 443, "POST", "/x", "/usr/bin/curl"));
    ImportedSpec rw = endpoint("{host: api.example.com, port: 443, protocol: rest,"
        + " enforcement: enforce, access: read-write}");
    assertEquals(List.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"),
        rw.allow().get(0).value().methods());
    assertEquals("unknown", verdict(rw, "api.example.com", 443, "DELETE", "/x", "/usr/bin/curl"));
  }

  @Test
  void rulesBecomeMethodsAndPathsWithOpenShellsGlobMeaning() throws Exception {
    ImportedSpec s = endpoint("""
        host: api.telegram.org
        port: 443
        protocol: rest
        enforcement: enforce
        tls: terminate
        rules:
          - allow: {method: GET, path: "/bot*/**"}
          - allow: {method: post, path: "/bot*/**"}
          - allow: {method: GET, path: "/health"}
        """);
    assertEquals(List.of(
        "{host: api.telegram.org, ports: [443], methods: [GET, POST], paths: [\"/bot*/*/**\"],"
            + " binaries: [/usr/bin/curl], inspect: true}",
        "{host: api.telegram.org, ports: [443], methods: [GET], paths: [/health],"
            + " binaries: [/usr/bin/curl], inspect: true}"), rules(s));
    String c = "/usr/bin/curl";
    assertEquals("allow", verdict(s, "api.telegram.org", 443, "POST", "/botX/sendMessage", c));
    assertEquals("allow", verdict(s, "api.telegram.org", 443, "GET", "/botX/a/b", c));
    // OpenShell's /bot*/** needs a segment after /botX; nemoclaw's would not, hence /bot*/*/**
    assertEquals("unknown", verdict(s, "api.telegram.org", 443, "GET", "/botX", c));
    assertEquals("unknown", verdict(s, "api.telegram.org", 443, "DELETE", "/botX/y", c));
    assertEquals("allow", verdict(s, "api.telegram.org", 443, null, null, c)); // inspected tunnel
    assertTrue(s.findings().stream().noneMatch(f -> f.path().contains("endpoints")),
        () -> s.findings().toString());
  }

  @Test
  void wildcardRulesMeanNoRestriction() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, rules: [{allow: {method: \"*\", path: \"/**\"}}]}");
    assertEquals(List.of("{host: a.example.com, ports: [443], binaries: [/usr/bin/curl]}"),
        rules(s));
  }

  @Test
  void midPathDoubleStarNeedsASegmentAndInSegmentDoubleStarIsOneSegment() throws Exception {
    ImportedSpec s = endpoint("{host: git.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, rules: [{allow: {method: GET, path: \"/**/info/refs*\"}},"
        + " {allow: {method: GET, path: \"/a/**x**/b\"}}]}");
    assertEquals(List.of("/*/**/info/refs*"), s.allow().get(0).value().paths());
    assertEquals(List.of("/a/*x*/b"), s.allow().get(1).value().paths());
    String c = "/usr/bin/curl";
    assertEquals("allow", verdict(s, "git.example.com", 443, "GET", "/o/r.git/info/refs", c));
    assertEquals("unknown", verdict(s, "git.example.com", 443, "GET", "/info/refs", c));
    assertEquals("unknown", verdict(s, "git.example.com", 443, "GET", "/a/y/x/z/b", c));
  }

  @Test
  void questionMarkAndClassesDropTheRule() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, rules: [{allow: {method: GET, path: \"/v?/x\"}},"
        + " {allow: {method: GET, path: \"/ok\"}}]}");
    assertEquals(List.of("/ok"), s.allow().get(0).value().paths());
    assertEquals(1, s.allow().size());
    assertEquals(Action.dropped, only(s, "rules[0]").action());
  }

  @Test
  void queryMatchersDropTheirRuleAndAnEndpointWithNoRuleLeftIsDropped() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, rules: [{allow: {method: GET, path: /d, query: {v: \"1.*\"}}}]}");
    assertTrue(s.allow().isEmpty(), () -> rules(s).toString());
    assertTrue(s.findings().stream().anyMatch(f -> f.path().endsWith("allow.query")
        && f.action() == Action.dropped), () -> s.findings().toString());
  }

  @Test
  void unknownMethodDropsTheRule() throws Exception {
    ImportedSpec s = endpoint("{host: dav.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, rules: [{allow: {method: PROPFIND, path: /x}}, {allow: {method: GET,"
        + " path: /x}}]}");
    assertEquals(List.of("GET"), s.allow().get(0).value().methods());
    assertEquals(Action.dropped, only(s, "rules[0].allow.method").action());
  }

  @Test
  void denyRulesBecomeDenyRulesThatWinAndCoverEveryBinary() throws Exception {
    ImportedSpec s = endpoint("""
        host: api.github.com
        port: 443
        protocol: rest
        enforcement: enforce
        access: full
        deny_rules:
          - {method: "*", path: "/repos/*/*/hooks/**"}
          - {method: DELETE, path: "/repos/**", query: {force: "true"}}
        """);
    assertEquals(2, s.deny().size());
    assertEquals("{host: api.github.com, ports: [443], paths: [\"/repos/*/*/hooks/**\"]}",
        RuleText.flow(s.deny().get(0).value()));
    assertEquals("{host: api.github.com, ports: [443], methods: [DELETE], paths:"
        + " [\"/repos/**\"]}", RuleText.flow(s.deny().get(1).value()));
    // a deny needs to see requests: the allow is inspected so it is applied inside the tunnel
    assertTrue(s.allow().get(0).value().inspect());
    String c = "/usr/bin/curl";
    assertEquals("allow", verdict(s, "api.github.com", 443, null, null, c));
    assertEquals("deny", verdict(s, "api.github.com", 443, "GET", "/repos/o/r/hooks/1", c));
    assertEquals("deny", verdict(s, "api.github.com", 443, "DELETE", "/repos/o/r", c));
    assertEquals("allow", verdict(s, "api.github.com", 443, "GET", "/repos/o/r", c));
    assertEquals(Action.stricter, only(s, "deny_rules[1]").action()); // query dropped: wider
    assertEquals(Action.stricter, s.findings().stream()
        .filter(f -> f.path().endsWith("deny_rules")).findFirst().orElseThrow().action());
  }

  @Test
  void auditEnforcementIsEnforcedAndSaidSo() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, protocol: rest,"
        + " enforcement: audit, access: read-only}");
    Finding f = only(s, "enforcement");
    assertEquals(Action.stricter, f.action());
    assertEquals(5, f.line());
    ImportedSpec none = endpoint("{host: a.example.com, port: 443, protocol: rest,"
        + " access: read-only}");
    assertTrue(none.findings().stream().anyMatch(x -> x.message().contains("default is audit")),
        () -> none.findings().toString());
  }

  @Test
  void passthroughWithRulesStaysOpaqueSoTunnelsAreDenied() throws Exception {
    ImportedSpec s = endpoint("{host: github.com, port: 443, protocol: rest, tls: passthrough,"
        + " enforcement: enforce, rules: [{allow: {method: GET, path: \"/**/info/refs*\"}}]}");
    assertFalse(s.allow().get(0).value().inspect());
    assertEquals(Action.stricter, only(s, "tls").action());
    assertEquals("deny", verdict(s, "github.com", 443, null, null, "/usr/bin/curl"));
  }

  @Test
  void terminateWithoutRulesIsInspectedAsInTheSource() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, tls: terminate}");
    assertTrue(s.allow().get(0).value().inspect());
    ImportedSpec skip = endpoint("{host: a.example.com, port: 443, tls: skip}");
    assertFalse(skip.allow().get(0).value().inspect());
  }

  @Test
  void rulesWithoutProtocolAreAppliedAnyway() throws Exception {
    ImportedSpec s = endpoint("{host: a.example.com, port: 443, enforcement: enforce,"
        + " access: read-only}");
    assertEquals(List.of("GET", "HEAD", "OPTIONS"), s.allow().get(0).value().methods());
    assertTrue(s.findings().stream().anyMatch(f -> f.path().endsWith("access")
        && f.action() == Action.stricter), () -> s.findings().toString());
  }

  @Test
  void hostWildcards() throws Exception {
    ImportedSpec deep = endpoint("{host: \"**.example.com\", port: 443}");
    assertEquals("*.example.com", deep.allow().get(0).value().host().text());
    assertTrue(deep.findings().stream().noneMatch(f -> f.path().contains("host")));
    ImportedSpec one = endpoint("{host: \"*.example.com\", port: 443}");
    assertTrue(one.allow().isEmpty());
    assertEquals(Action.dropped, only(one, "endpoints[0].host").action());
    ImportedSpec inner = endpoint("{host: \"api-*.example.com\", port: 443}");
    assertTrue(inner.allow().isEmpty());
    assertEquals(Action.dropped, only(inner, "endpoints[0].host").action());
    ImportedSpec ip = endpoint("{host: 10.0.0.5, port: 5432, protocol: tcp}");
    assertEquals("{host: 10.0.0.5, ports: [5432], binaries: [/usr/bin/curl]}", rules(ip).get(0));
  }

  @Test
  void allowedIps() throws Exception {
    ImportedSpec hostless = endpoint("{port: 8443, allowed_ips: [10.20.0.0/16, 127.0.0.0/8]}");
    assertEquals(List.of("{host: 10.20.0.0/16, ports: [8443], binaries: [/usr/bin/curl]}"),
        rules(hostless));
    assertEquals(Action.dropped, only(hostless, "allowed_ips[1]").action());
    ImportedSpec pinned = endpoint("{host: api.internal.example, port: 443,"
        + " allowed_ips: [10.20.0.0/16]}");
    assertTrue(pinned.allow().isEmpty());
    assertEquals(Action.dropped, only(pinned, "endpoints[0]").action());
  }

  @Test
  void otherProtocols() throws Exception {
    ImportedSpec mcp = endpoint("{host: mcp.example.com, port: 443, protocol: mcp, enforcement:"
        + " enforce, rules: [{allow: {method: tools/call, tool: search}}]}");
    assertTrue(mcp.allow().isEmpty());
    assertTrue(only(mcp, "endpoints[0]").message().contains("tools"));
    ImportedSpec ws = endpoint("{host: ws.example.com, port: 443, protocol: websocket,"
        + " enforcement: enforce, access: full}");
    assertEquals(1, ws.allow().size());
    assertEquals(Action.approximated, only(ws, "protocol").action());
    ImportedSpec gql = endpoint("{host: g.example.com, port: 443, protocol: graphql,"
        + " enforcement: enforce, access: read-only}");
    assertTrue(gql.allow().isEmpty());
  }

  @Test
  void binaries() throws Exception {
    ImportedSpec glob = endpoint("{host: a.example.com, port: 443}", "/usr/lib/jvm/*/bin/java",
        "/usr/bin/curl");
    assertEquals(List.of("/usr/bin/curl"), glob.allow().get(0).value().binaries());
    assertEquals(Action.dropped, only(glob, "binaries[0]").action());
    ImportedSpec onlyGlob = endpoint("{host: a.example.com, port: 443}", "/opt/**");
    assertTrue(onlyGlob.allow().isEmpty());
    ImportedSpec none = imp("""
        version: 1
        network_policies:
          p:
            endpoints: [{host: a.example.com, port: 443}]
        """);
    assertTrue(none.allow().isEmpty());
    assertEquals(Action.dropped, only(none, "network_policies.p").action());
    // and the binary-ancestry difference is said once
    assertEquals(1, glob.findings().stream().filter(f -> f.path().equals("network_policies"))
        .count());
  }

  @Test
  void unknownKeys() throws Exception {
    ImportedSpec top = imp("version: 1\nnetwork_middlewares: {}\nfuture_thing: 1\n");
    assertEquals(Action.dropped, only(top, "future_thing").action());
    assertEquals(3, only(top, "future_thing").line());
    assertEquals(Action.dropped, only(top, "network_middlewares").action());
    ImportedSpec ep = endpoint("{host: a.example.com, port: 443, rate_limit: 5}");
    assertTrue(ep.allow().isEmpty());
    assertEquals(Action.dropped, only(ep, "rate_limit").action());
    ImportedSpec pol = imp("""
        version: 1
        network_policies:
          p:
            schedule: nightly
            endpoints: [{host: a.example.com, port: 443}]
            binaries: [{path: /usr/bin/curl}]
        """);
    assertTrue(pol.allow().isEmpty());
    assertEquals(4, only(pol, "schedule").line());
  }

  @Test
  void credentialFieldsAreDroppedWithoutChangingAccess() throws Exception {
    ImportedSpec s = endpoint("{host: s.example.com, port: 443, protocol: rest, enforcement:"
        + " enforce, access: full, credential_binding: {provider: work}}");
    assertEquals(1, s.allow().size());
    assertEquals(Action.dropped, only(s, "credential_binding").action());
  }

  // --- filesystem, landlock, process -----------------------------------------------------------

  @Test
  void filesystemAndIdentity() throws Exception {
    ImportedSpec s = imp("""
        version: 1
        filesystem_policy:
          include_workdir: true
          read_only: [/usr, /lib, /etc, /bin, /sbin, /proc, /dev/urandom, /app]
          read_write: [/tmp, /dev/null, /data, /etc/app]
        landlock: {compatibility: hard_requirement}
        process: {run_as_user: "1500", run_as_group: "1600"}
        """);
    AgentSpec a = load(s);
    assertEquals(1500, a.user().uid());
    assertEquals(1600, a.user().gid());
    assertEquals("REQUIRED", a.security().landlock().name());
    assertEquals(List.of("/sandbox", "/tmp", "/data"),
        a.tmpfs().stream().map(t -> t.target()).toList());
    assertEquals(Action.stricter, only(s, "read_only[7]").action()); // /app: not there
    assertEquals(Action.stricter, only(s, "read_write[3]").action()); // /etc/app: read-only
    assertEquals(Action.approximated, only(s, "read_write[2]").action()); // /data: a tmpfs
    assertTrue(s.findings().stream().noneMatch(f -> f.path().equals("filesystem_policy")),
        () -> s.findings().toString()); // every host-image directory is listed
    ImportedSpec best = imp("version: 1\nlandlock: {compatibility: best_effort}\n"
        + "process: {run_as_user: sandbox}\nfilesystem_policy: {read_write: [/tmp]}\n");
    assertEquals("BEST_EFFORT", load(best).security().landlock().name());
    assertEquals(1000, load(best).user().uid());
    assertEquals(Action.approximated, only(best, "run_as_user").action());
    assertTrue(only(best, "filesystem_policy").message().contains("/usr"));
  }

  @Test
  void noWritablePathsMeansNoTmpfs() throws Exception {
    ImportedSpec s = imp("version: 1\nfilesystem_policy: {read_only: [/usr, /lib, /etc, /bin,"
        + " /sbin]}\n");
    assertTrue(load(s).tmpfs().isEmpty());
    assertTrue(s.yaml().contains("\ntmpfs: []\n"));
  }

  @Test
  void inferenceIsNamedAndDropped() throws Exception {
    ImportedSpec s = imp("version: 1\ninference:\n  allowed_routes: [local, nvidia]\n");
    Finding f = only(s, "inference");
    assertEquals(Action.dropped, f.action());
    assertTrue(f.message().contains("local, nvidia"), f::message);
  }

  @Test
  void names() throws Exception {
    assertEquals("openclaw-sandbox", OpenShellImport.agentName("a/b/OpenClaw_Sandbox.yaml"));
    assertEquals("imported", OpenShellImport.agentName("___.yml"));
    ImportedSpec preset = OpenShellImport.read(FIXTURES.resolve("preset-pypi.yaml"),
        Optional.empty());
    assertEquals("pypi", preset.name());
    assertEquals("x", OpenShellImport.read(FIXTURES.resolve("preset-pypi.yaml"),
        Optional.of("x")).name());
  }

  // --- errors ---------------------------------------------------------------------------------

  static Problem error(String yaml) {
    ImportException e = assertThrows(ImportException.class, () -> imp(yaml));
    return e.problems().get(0);
  }

  @Test
  void malformedInputNamesLineAndField() {
    Problem p = error("version: 1\nnetwork_policies:\n  p:\n    endpoints:\n"
        + "      - {host: a.example.com}\n    binaries: [{path: /usr/bin/curl}]\n");
    assertEquals(5, p.line());
    assertEquals("network_policies.p.endpoints[0]", p.path());
    assertTrue(p.message().contains("port"), p::message);
    assertTrue(p.render().startsWith("p.yaml:5:"), p::render);

    Problem tls = error("version: 1\nnetwork_policies:\n  p:\n    endpoints:\n"
        + "      - {host: a.example.com, port: 443, tls: inspect}\n"
        + "    binaries: [{path: /usr/bin/curl}]\n");
    assertEquals("network_policies.p.endpoints[0].tls", tls.path());
    assertTrue(tls.message().contains("terminate, passthrough, skip"), tls::message);

    Problem port = error("version: 1\nnetwork_policies:\n  p:\n    endpoints:\n"
        + "      - {host: a.example.com, port: 70000}\n"
        + "    binaries: [{path: /usr/bin/curl}]\n");
    assertEquals("network_policies.p.endpoints[0].port", port.path());

    Problem both = error("version: 1\nnetwork_policies:\n  p:\n    endpoints:\n"
        + "      - {host: a.example.com, port: 443, protocol: rest, access: full,"
        + " rules: [{allow: {method: GET, path: /}}]}\n"
        + "    binaries: [{path: /usr/bin/curl}]\n");
    assertTrue(both.message().contains("both"), both::message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1, 2]", "just text", "apiVersion: nemoclaw.dev/v1\nname: x\n",
      "version: 2\n"})
  void notAnOpenShellPolicy(String yaml) {
    Problem p = error(yaml);
    assertEquals(1, p.line());
    assertTrue(p.message().contains("OpenShell") || p.message().contains("version"),
        p::message);
  }

  @Test
  void yamlErrorsAndDuplicatesAndRoot() {
    Problem syntax = error("version: 1\nnetwork_policies:\n  p: [\n");
    assertTrue(syntax.message().startsWith("YAML syntax"), syntax::message);
    Problem dup = error("version: 1\nlandlock: {}\nlandlock: {}\n");
    assertEquals(3, dup.line());
    assertTrue(dup.message().contains("duplicate"), dup::message);
    Problem root = error("version: 1\nprocess: {run_as_user: root}\n");
    assertEquals("process.run_as_user", root.path());
    Problem ll = error("version: 1\nlandlock: {compatibility: strict}\n");
    assertEquals("landlock.compatibility", ll.path());
    Problem rel = error("version: 1\nfilesystem_policy: {read_only: [usr]}\n");
    assertEquals("filesystem_policy.read_only[0]", rel.path());
  }

  // --- fixtures ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"agent-sandbox.yaml", "github-readonly.yaml", "preset-pypi.yaml"})
  void fixturesRoundTripThroughTheSpecLoader(String name) throws Exception {
    ImportedSpec s = OpenShellImport.read(FIXTURES.resolve(name), Optional.empty());
    load(s);
    String yaml = s.yaml();
    assertEquals(s.findings().size(), yaml.split("# note: ", -1).length - 1, yaml);
    JsonNode j = s.json();
    assertEquals(s.findings().size(), j.path("findings").size());
    for (JsonNode f : j.path("findings")) {
      assertTrue(f.path("line").asInt() > 0, f::toString);
      assertFalse(f.path("path").asText().isEmpty(), f::toString);
      assertFalse(f.path("message").asText().isEmpty(), f::toString);
      assertTrue(List.of("stricter", "dropped", "approximated")
          .contains(f.path("action").asText()), f::toString);
    }
    assertEquals(s.allow().size(), j.path("spec").path("network").path("allow").size());
    assertEquals("deny", j.path("spec").path("network").path("unknown").asText());
  }

  @Test
  void agentSandboxDecisions() throws Exception {
    ImportedSpec s = OpenShellImport.read(FIXTURES.resolve("agent-sandbox.yaml"),
        Optional.empty());
    assertEquals("allow", verdict(s, "github.com", 443, null, null, "/usr/bin/git"));
    assertEquals("unknown", verdict(s, "github.com", 443, null, null, "/usr/bin/curl"));
    assertEquals("allow", verdict(s, "docs.example.org", 443, "GET", "/a",
        "/usr/local/bin/agent"));
    assertEquals("unknown", verdict(s, "docs.example.org", 443, "POST", "/a",
        "/usr/local/bin/agent"));
    assertEquals("unknown", verdict(s, "update.code.visualstudio.com", 443, null, null,
        "/sandbox/.vscode-server/bin/node"));
  }

  @Test
  void githubReadonlyDecisions() throws Exception {
    ImportedSpec s = OpenShellImport.read(FIXTURES.resolve("github-readonly.yaml"),
        Optional.empty());
    String gh = "/usr/bin/gh";
    assertEquals("allow", verdict(s, "api.github.com", 443, "GET", "/user", gh));
    assertEquals("unknown", verdict(s, "api.github.com", 443, "POST", "/user", gh));
    assertEquals("deny", verdict(s, "uploads.github.com", 443, "GET", "/repos/o/r/hooks/1", gh));
    assertEquals("unknown", verdict(s, "uploads.github.com", 443, "POST",
        "/repos/o/r/releases/1/assets", gh));
    assertEquals("allow", verdict(s, "raw.githubusercontent.com", 443, null, null,
        "/usr/bin/curl"));
    assertEquals("unknown", verdict(s, "a.github.io", 443, null, null, "/usr/bin/curl"));
    assertEquals("unknown", verdict(s, "example.com", 443, null, null, "/usr/bin/curl"));
  }
}
