package dev.nemoclaw.spec;

import static dev.nemoclaw.spec.SpecFixture.HEAD;
import static dev.nemoclaw.spec.SpecFixture.assertAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
  @TempDir Path tmp;
  SpecFixture fx;

  @BeforeEach
  void setUp() {
    fx = new SpecFixture(tmp);
  }

  @Test
  void everyExampleLoads() throws Exception {
    List<Path> examples;
    try (Stream<Path> s = Files.walk(Path.of("examples"))) {
      examples = s.filter(p -> p.getFileName().toString().equals("agent.yaml")).toList();
    }
    assertTrue(examples.size() >= 2, () -> "examples: " + examples);
    // what examples/openclaw/prepare.sh makes (a fresh checkout has not run it) stands elsewhere
    Map<String, String> env = Map.of("OPENCLAW_RUNTIME", tmp.toString(),
        "OPENCLAW_WORKSPACE", tmp.toString(), "OPENCLAW_PLUGIN", tmp.toString());
    for (Path p : examples) {
      AgentSpec spec = fx.loader.read(p, env);
      assertEquals(p.getParent().getFileName().toString(), spec.name());
    }
  }

  @Test
  void helloExample() throws Exception {
    AgentSpec s = fx.loader.read(Path.of("examples/hello/agent.yaml"), Map.of());
    assertEquals(NetworkMode.NONE, s.network().mode());
    assertEquals("sh", s.command().orElseThrow().getFirst());
  }

  @Test
  void referenceExampleBindsEverySection() throws Exception {
    AgentSpec s = fx.loader.read(Path.of("examples/reference/agent.yaml"),
        Map.of("GREETING", "hi"));
    assertEquals(Optional.of("acme"), s.org());
    assertEquals("hi", s.env().get("GREETING"));
    assertEquals("$5", s.env().get("PRICE"));
    assertEquals(List.of("LANG", "GREETING", "PRICE"), List.copyOf(s.env().keySet()));
    Mount m = s.mounts().getFirst();
    assertEquals(Path.of("examples/reference/workspace").toAbsolutePath(), m.source());
    assertTrue(m.writable());
    assertEquals(List.of(new Tmpfs("/tmp", 256L << 20), new Tmpfs("/var/cache", 64L << 20)),
        s.tmpfs());
    assertEquals(OptionalDouble.of(1.5), s.resources().cpus());
    assertEquals(Optional.of(Duration.ofMinutes(30)), s.resources().timeout());
    assertEquals(List.of("npm", "github"), s.network().presetNames());
    assertEquals(1 + 5 + 3, s.network().effectiveAllow().size());
    AllowRule api = s.network().allow().getFirst();
    assertEquals(new HostPattern.Name("api.example.com"), api.host());
    assertEquals(List.of("GET", "HEAD"), api.methods());
    assertTrue(api.inspect());
    assertEquals(new HostPattern.Suffix("example.org"), s.network().allow().get(1).host());
    assertEquals(List.of(443), s.network().allow().get(1).ports());
    assertEquals(new HostPattern.Cidr("10.0.0.0", 8), s.network().allow().get(2).host());
    assertEquals(List.of(), s.network().deny().getFirst().ports());
    Route main = s.inference().route("main").orElseThrow();
    assertEquals(Optional.of("NVIDIA_API_KEY"), main.apiKeyEnv());
    assertEquals(Optional.of("local"), main.fallback());
    Route local = s.inference().route("local").orElseThrow();
    assertEquals(URI.create("http://127.0.0.1:11434/v1"), local.baseUrl());
    assertEquals(new BigDecimal("5.00"), s.inference().budget().orElseThrow().usd().orElseThrow());
    assertEquals(new RateLimit(60, Duration.ofMinutes(1)), s.inference().rateLimit().orElseThrow());
    assertEquals(7, s.privacy().detectors().size());
    assertEquals(new Detector.Custom("employee-id", "EMP-[0-9]{6}"),
        s.privacy().detectors().getLast());
    assertEquals(5, s.tools().size());
    ToolRule limited = s.tools().get(2);
    assertEquals(ToolAction.RATE_LIMIT, limited.action());
    assertEquals(Optional.of("search"), limited.match().server());
    assertEquals(Optional.of("*"), limited.match().tool());
    assertEquals(5, s.tools().get(3).match().specificity());
  }

  @Test
  void defaultsAreApplied() throws Exception {
    AgentSpec s = fx.load(HEAD);
    assertEquals(new Image.Host(), s.image());
    assertEquals(Backend.NATIVE, s.backend());
    assertEquals("/sandbox", s.workdir());
    assertEquals(new User(1000, 1000), s.user());
    assertEquals(Map.of(), s.env());
    assertEquals(List.of(), s.mounts());
    assertEquals(List.of(new Tmpfs("/tmp", 256L * 1024 * 1024)), s.tmpfs());
    assertEquals(2L * 1024 * 1024 * 1024, s.resources().memoryBytes());
    assertEquals(OptionalDouble.empty(), s.resources().cpus());
    assertEquals(512, s.resources().pids());
    assertEquals(Optional.empty(), s.resources().timeout());
    assertEquals("default", s.security().seccomp().ref());
    assertEquals(fx.profiles.resolve("default.json"), s.security().seccomp().file());
    assertEquals(LandlockMode.REQUIRED, s.security().landlock());
    assertFalse(s.security().allowRoot());
    assertEquals(NetworkMode.PROXY, s.network().mode());
    assertEquals(UnknownAction.ASK, s.network().unknown());
    assertEquals(Duration.ofSeconds(60), s.network().approvalTimeout());
    assertEquals(List.of(), s.network().effectiveAllow());
    assertEquals(Optional.empty(), s.inference().defaultRoute());
    assertFalse(s.privacy().enabled());
    assertEquals(List.of(), s.tools());
    assertEquals(tmp.resolve("agent.yaml").toAbsolutePath(), s.file());
  }

  @Test
  void sectionDefaults() throws Exception {
    AgentSpec s = fx.load(HEAD + """
        tmpfs: [{target: /scratch}]
        mounts: [{source: ., target: /data}]
        network: {allow: [{host: example.com}]}
        inference: {routes: [{name: a, provider: openai, model: m}]}
        privacy: {}
        """);
    assertEquals(List.of(new Tmpfs("/scratch", 256L << 20)), s.tmpfs());
    assertEquals(MountMode.RO, s.mounts().getFirst().mode());
    assertEquals(List.of(443), s.network().allow().getFirst().ports());
    assertFalse(s.network().allow().getFirst().inspect());
    assertEquals(Optional.of("a"), s.inference().defaultRoute());
    assertEquals(URI.create("https://api.openai.com/v1"), s.inference().routes().getFirst()
        .baseUrl());
    assertEquals(6, s.privacy().detectors().size());
    assertEquals(PrivacyAction.MASK, s.privacy().action());
    assertEquals(List.of(PrivacyScope.INFERENCE, PrivacyScope.EGRESS), s.privacy().scope());
  }

  @Test
  void relativePathsResolveAgainstTheSpecDirectory() throws Exception {
    Files.createDirectories(tmp.resolve("ws/sub"));
    Files.createDirectories(tmp.resolve("rootfs"));
    Files.writeString(tmp.resolve("my.json"), "{}");
    AgentSpec s = fx.load(HEAD + """
        image: dir:./rootfs
        mounts: [{source: ./ws//sub/., target: //data/}]
        security: {seccomp: ./my.json}
        """);
    assertEquals(new Image.Dir(tmp.resolve("rootfs").toAbsolutePath()), s.image());
    assertEquals(tmp.resolve("ws/sub").toAbsolutePath(), s.mounts().getFirst().source());
    assertEquals("/data", s.mounts().getFirst().target());
    assertEquals(tmp.resolve("my.json").toAbsolutePath(), s.security().seccomp().file());
  }

  @Test
  void imagesParse() throws Exception {
    AgentSpec s = fx.load("apiVersion: nemoclaw.dev/v1\nname: t\nimage: docker:python:3.12\n");
    assertEquals(new Image.Docker("python", "3.12"), s.image());
    assertEquals(Optional.empty(), s.command());
    assertEquals(new Image.Docker("localhost:5000/a/b", "latest"),
        fx.load("apiVersion: nemoclaw.dev/v1\nname: t\nimage: docker:localhost:5000/a/b\n")
            .image());
    fx.single(HEAD + "image: podman:x\n", 4, 8, "image", "allowed: host, dir:PATH");
  }

  // --- one test per error class: exact line, column and field -------------------------------

  @Test
  void unknownTopLevelKey() {
    SpecError e = fx.single(HEAD + "comand: [sh]\n", 4, 1, "comand", "unknown key 'comand'");
    assertTrue(e.message().contains("did you mean 'command'?"), e::message);
    assertTrue(e.message().contains("allowed: apiVersion, name,"), e::message);
    assertEquals(fx.dir.resolve("agent.yaml") + ":4:1: comand: unknown key 'comand'; allowed: "
        + "apiVersion, name, org, team, image, backend, command, workdir, user, env, mounts, "
        + "tmpfs, resources, security, network, inference, privacy, tools, toolRisk, mcpServers"
        + " (did you mean 'command'?)", e.render());
  }

  @Test
  void mcpServersNameHostsAndRefuseBlocksAndDuplicates() throws Exception {
    Path ok = fx.write(HEAD + "mcpServers:\n  - {name: jira, host: mcp.atlassian.example}\n"
        + "  - {name: acme, host: \"*.mcp.acme.example\"}\n");
    AgentSpec spec = fx.loader.read(ok, Map.of());
    assertEquals("jira", spec.mcpServers().get(0).name());
    assertTrue(spec.mcpServers().get(0).covers("mcp.atlassian.example"));
    assertTrue(spec.mcpServers().get(1).covers("eu.mcp.acme.example"));
    assertTrue(!spec.mcpServers().get(1).covers("mcp.acme.example"), "not the apex");
    Path bad = fx.write(HEAD + "mcpServers:\n  - {name: a, host: 10.0.0.0/8}\n"
        + "  - {name: b, host: x.example}\n  - {name: b, host: y.example}\n  - {name: \"c d\", host: z.example}\n");
    SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
        () -> fx.loader.read(bad, Map.of()));
    String all = e.errors().toString();
    assertTrue(all.contains("address block") && all.contains("given twice")
        && all.contains("not a server name"), all);
  }

  @Test
  void unknownNestedKey() {
    fx.single(HEAD + """
        network:
          allow:
            - host: a.com
              prots: [443]
        """, 7, 7, "network.allow[0].prots", "did you mean 'ports'?");
  }

  @Test
  void yamlSyntaxError() {
    List<SpecError> errs = fx.errors(HEAD + "env: {A: b\nname: x\n");
    assertEquals(1, errs.size());
    assertTrue(errs.getFirst().message().startsWith("YAML syntax"), errs.toString());
    assertEquals(5, errs.getFirst().line(), errs.toString());
  }

  @Test
  void duplicateKey() {
    fx.single(HEAD + "name: u\n", 4, 1, "name", "duplicate key 'name' (first at line 2)");
  }

  @Test
  void anchorsAreRefused() {
    fx.single(HEAD + "env: &e {A: b}\nmounts: *e\n", 4, 6, "env", "anchors and aliases");
  }

  @Test
  void wrongType() {
    fx.single(HEAD + "mounts: /x\n", 4, 9, "mounts", "must be a list");
    fx.single(HEAD + "resources: [1]\n", 4, 12, "resources", "must be a mapping");
    fx.single(HEAD + "workdir: [a]\n", 4, 10, "workdir", "must be a single value, not a list");
    fx.single(HEAD + "security: {allowRoot: yes}\n", 4, 23, "security.allowRoot",
        "allowed: true, false");
  }

  @Test
  void missingRequired() {
    fx.single("apiVersion: nemoclaw.dev/v1\ncommand: [sh]\n", 1, 1, "name", "required");
    fx.single("name: t\ncommand: [sh]\n", 1, 1, "apiVersion", "required");
    fx.single("apiVersion: nemoclaw.dev/v1\nname: t\n", 1, 1, "command", "required");
    fx.single(HEAD + "mounts:\n  - {target: /x}\n", 5, 5, "mounts[0].source", "required");
  }

  @Test
  void badScalars() {
    fx.single(HEAD.replace("v1", "v2"), 1, 13, "apiVersion", "allowed: nemoclaw.dev/v1");
    fx.single(HEAD.replace("name: t", "name: My_Agent"), 2, 7, "name", "not a valid name");
    fx.single(HEAD + "team: -x\n", 4, 7, "team", "not a valid name");
    fx.single(HEAD + "resources: {timeout: 10d}\n", 4, 22, "resources.timeout",
        "e.g. 500ms, 30s, 5m, 1h");
    fx.single(HEAD + "resources: {timeout: 0s}\n", 4, 22, "resources.timeout", "positive");
    fx.single(HEAD + "resources: {memory: 2GB}\n", 4, 21, "resources.memory", "e.g. 512Mi");
    fx.single(HEAD + "resources: {memory: 0}\n", 4, 21, "resources.memory", "positive");
    fx.single(HEAD + "resources: {cpus: 0}\n", 4, 19, "resources.cpus", "> 0");
    fx.single(HEAD + "resources: {pids: 0}\n", 4, 19, "resources.pids", "1..");
    fx.single(HEAD + "backend: podman\n", 4, 10, "backend", "allowed: native, docker");
    fx.single(HEAD + "network: {unknown: allow}\n", 4, 20, "network.unknown", "allowed: ask, deny");
  }

  @Test
  void userAndRoot() throws Exception {
    fx.single(HEAD + "user: \"0:0\"\n", 4, 7, "user", "security.allowRoot: true");
    fx.single(HEAD + "user: root\n", 4, 7, "user", "not uid:gid");
    assertEquals(new User(0, 0),
        fx.load(HEAD + "user: \"0:0\"\nsecurity: {allowRoot: true}\n").user());
    // unquoted, YAML 1.1 would read 1000:1000 as a base-60 number; the loader keeps the text
    assertEquals(new User(1001, 1002), fx.load(HEAD + "user: 1001:1002\n").user());
  }

  @Test
  void mounts() throws Exception {
    Files.createDirectories(tmp.resolve("ws"));
    fx.single(HEAD + "mounts: [{source: ./nope, target: /a}]\n", 4, 19, "mounts[0].source",
        "does not exist; create it");
    // an agent shipped with a prepare.sh (examples/openclaw): the error names it
    Path prepare = Files.writeString(tmp.resolve("prepare.sh"), "#!/bin/sh\n");
    fx.single(HEAD + "mounts: [{source: ./nope, target: /a}]\n", 4, 19, "mounts[0].source",
        "does not exist; run " + prepare + " first");
    Files.delete(prepare);
    fx.single(HEAD + "mounts: [{source: ./ws, target: a}]\n", 4, 33, "mounts[0].target",
        "absolute");
    fx.single(HEAD + "mounts: [{source: ./ws, target: /a/../etc}]\n", 4, 33, "mounts[0].target",
        "normalised");
    fx.single(HEAD + "mounts: [{source: ./ws, target: /a, mode: rx}]\n", 4, 43,
        "mounts[0].mode", "allowed: ro, rw");
    fx.single(HEAD + """
        mounts:
          - {source: ./ws, target: /a}
        tmpfs:
          - {target: /a/}
        """, 7, 14, "tmpfs[0].target", "duplicate target /a (first at line 5)");
    Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("ws"));
    fx.single(HEAD + "mounts: [{source: ./link, target: /a}]\n", 4, 19, "mounts[0].source",
        "is a symlink");
    Files.createDirectories(tmp.resolve("ws/inner"));
    fx.single(HEAD + "mounts: [{source: ./link/inner, target: /a}]\n", 4, 19,
        "mounts[0].source", "goes through a symlink");
    fx.single(HEAD + "mounts: [{source: ./ws/../ws, target: /a}]\n", 4, 19, "mounts[0].source",
        "climbs with '..'");
  }

  @Test
  void networkRules() {
    String rule = HEAD + "network:\n  allow:\n    - host: %s\n      ports: %s\n";
    fx.single(rule.formatted("'*'", "[443]"), 6, 13, "network.allow[0].host", "*.suffix");
    fx.single(rule.formatted("'*.com'", "[443]"), 6, 13, "network.allow[0].host", "two labels");
    fx.single(rule.formatted("bad_host!", "[443]"), 6, 13, "network.allow[0].host",
        "not a valid host");
    fx.single(rule.formatted("10.0.0.0/33", "[443]"), 6, 13, "network.allow[0].host", "0..32");
    fx.single(rule.formatted("a.com", "[443, 0]"), 7, 20, "network.allow[0].ports[1]",
        "allowed: 1..65535");
    fx.single(rule.formatted("a.com", "[]"), 7, 14, "network.allow[0].ports", "must not be empty");
    fx.single(HEAD + "network: {deny: [{host: a.com, methods: [get]}]}\n", 4, 42,
        "network.deny[0].methods[0]", "did you mean 'GET'?");
    fx.single(HEAD + "network: {allow: [{host: a.com, paths: [repos]}]}\n", 4, 41,
        "network.allow[0].paths[0]", "must start with '/'");
    fx.single(HEAD + "network: {allow: [{host: a.com, binaries: [git]}]}\n", 4, 44,
        "network.allow[0].binaries[0]", "absolute");
    fx.single(HEAD + "network: {deny: [{host: a.com, inspect: true}]}\n", 4, 32,
        "network.deny[0].inspect", "unknown key");
  }

  @Test
  void hostsAreNormalised() throws Exception {
    AgentSpec s = fx.load(HEAD + "network: {allow: [{host: API.GitHub.com}, {host: '::1'}]}\n");
    assertEquals(new HostPattern.Name("api.github.com"), s.network().allow().get(0).host());
    assertEquals(new HostPattern.Address("0:0:0:0:0:0:0:1"), s.network().allow().get(1).host());
  }

  @Test
  void seccomp() throws Exception {
    SpecError e = fx.single(HEAD + "security: {seccomp: strickt}\n", 4, 21, "security.seccomp",
        "available: default, extra, strict");
    assertTrue(e.message().contains("did you mean 'strict'?"), e::message);
    assertEquals(fx.profiles.resolve("extra.json"),
        fx.load(HEAD + "security: {seccomp: extra}\n").security().seccomp().file());
    fx.single(HEAD + "security: {seccomp: ./none.json}\n", 4, 21, "security.seccomp",
        "does not exist");
  }

  @Test
  void inferenceReferences() {
    String routes = HEAD + """
        inference:
          default: %s
          routes:
            - {name: a, provider: openai, model: m, fallback: %s}
            - {name: b, provider: nvidia, model: m}
        """;
    fx.single(routes.formatted("zz", "b"), 5, 12, "inference.default", "defined: a, b");
    fx.single(routes.formatted("a", "a"), 7, 55, "inference.routes[0].fallback", "itself");
    List<SpecError> cyc = fx.errors(routes.formatted("a", "b").replace("model: m}",
        "model: m, fallback: a}"));
    assertEquals(2, cyc.size(), cyc::toString);
    assertAt(cyc.get(0), 7, 55, "inference.routes[0].fallback", "cycle: a -> b -> a");
    assertAt(cyc.get(1), 8, 55, "inference.routes[1].fallback", "cycle: b -> a -> b");
    fx.single(routes.formatted("a", "c"), 7, 55, "inference.routes[0].fallback",
        "no route named 'c'");
    fx.single(HEAD + "inference: {routes: [{name: a, provider: gpt, model: m}]}\n", 4, 42,
        "inference.routes[0].provider", "allowed: openai, nvidia, anthropic, ollama");
    fx.single(HEAD + "inference: {routes: [{name: a, provider: openai, model: m, "
        + "baseUrl: 'ftp://x'}]}\n", 4, 69, "inference.routes[0].baseUrl", "https://");
    fx.single(HEAD + "inference: {budget: {}}\n", 4, 21, "inference.budget", "tokens, usd");
  }

  @Test
  void apiKeyEnvIsNamedNeverExpanded() {
    String spec = HEAD + "inference: {routes: [{name: a, provider: openai, model: m, "
        + "apiKeyEnv: '%s'}]}\n";
    SpecError e = fx.errors(spec.formatted("${KEY}"), Map.of("KEY", "OPENAI_KEY")).getFirst();
    assertAt(e, 4, 71, "inference.routes[0].apiKeyEnv", "not a valid environment variable name");
    fx.single(spec.formatted("sk-123"), 4, 71, "inference.routes[0].apiKeyEnv", "not a valid");
  }

  @Test
  void privacyAndTools() {
    fx.single(HEAD + "privacy: {detectors: [email, {name: x, regex: '(['}]}\n", 4, 47,
        "privacy.detectors[1].regex", "not a valid regular expression");
    // custom detectors run on what the agent sends: only RE2 (linear-time) syntax is accepted
    fx.single(HEAD + "privacy: {detectors: [{name: x, regex: '(a)\\1'}]}\n", 4, 40,
        "privacy.detectors[0].regex", "RE2 syntax, which has no backreferences or lookaround): "
            + "invalid escape sequence: `\\1`");
    fx.single(HEAD + "privacy: {detectors: [{name: x, regex: 'a(?=b)'}]}\n", 4, 40,
        "privacy.detectors[0].regex", "unsupported Perl syntax: `(?=`");
    fx.single(HEAD + "privacy: {detectors: [{name: x, regex: '(?<!a)b'}]}\n", 4, 40,
        "privacy.detectors[0].regex", "not a valid regular expression (RE2 syntax");
    fx.single(HEAD + "privacy: {detectors: [{name: x, regex: '((a{30}){30}){30}'}]}\n", 4, 40,
        "privacy.detectors[0].regex", "too large: it compiles to 28862 instructions");
    fx.single(HEAD + "privacy: {detectors: [emial]}\n", 4, 23, "privacy.detectors[0]",
        "did you mean 'email'?");
    fx.single(HEAD + "privacy: {action: drop}\n", 4, 19, "privacy.action",
        "allowed: audit, mask, block");
    fx.single(HEAD + "tools: [{match: 'tool:x/server:y', action: allow}]\n", 4, 17,
        "tools[0].match", "out of order");
    fx.single(HEAD + "tools: [{match: 'srv:y', action: allow}]\n", 4, 17, "tools[0].match",
        "KIND:VALUE");
    fx.single(HEAD + "tools: [{match: 'tool:a*b', action: allow}]\n", 4, 17, "tools[0].match",
        "not a valid tool");
    fx.single(HEAD + "tools: [{match: 'tool:x', action: deny}]\n", 4, 35, "tools[0].action",
        "require-approval");
    fx.single(HEAD + "tools: [{match: 'tool:x', action: rate-limit}]\n", 4, 9,
        "tools[0].rateLimit", "required with action rate-limit");
    fx.single(HEAD + "tools: [{match: 'tool:x', action: allow, risk: severe}]\n", 4, 48,
        "tools[0].risk", "allowed: low, medium, high");
    fx.single(HEAD + "toolRisk: [{match: 'agent:x/tool:y', level: high}]\n", 4, 20,
        "toolRisk[0].match", "a risk belongs to the tool");
    fx.single(HEAD + "toolRisk: [{match: 'deploy_*'}]\n", 4, 12, "toolRisk[0].level",
        "low | medium | high");
  }

  @Test
  void toolsAndToolRiskAreLiveNotStatic() throws Exception {
    AgentSpec before = fx.load(HEAD);
    AgentSpec after = fx.load(HEAD + """
        tools: [{match: "tool:*", action: block}]
        toolRisk: [{match: "x", level: low}]
        """);
    assertEquals(java.util.List.of(), before.staticChanges(after));
  }

  @Test
  void toolRiskAndRiskConditionsBind() throws Exception {
    AgentSpec s = fx.load(HEAD + """
        tools:
          - {match: "tool:*", action: require-approval, risk: high}
          - {match: "tool:*", action: allow}
        toolRisk:
          - {match: "deploy_*", level: high}
          - {match: "server:k8s/tool:get_*", level: medium}
        """);
    assertEquals(java.util.Optional.of(RiskLevel.HIGH), s.tools().get(0).risk());
    assertEquals(java.util.Optional.empty(), s.tools().get(1).risk());
    assertEquals(2, s.toolRisk().size());
    assertEquals(java.util.Optional.of("deploy_*"), s.toolRisk().get(0).match().tool());
    assertEquals(RiskLevel.MEDIUM, s.toolRisk().get(1).level());
    assertEquals(java.util.Optional.of("k8s"), s.toolRisk().get(1).match().server());
  }

  @Test
  void env() {
    fx.single(HEAD + "env: {HTTPS_PROXY: x}\n", 4, 7, "env.HTTPS_PROXY", "set by the sandbox");
    fx.single(HEAD + "env: {NEMOCLAW_X: x}\n", 4, 7, "env.NEMOCLAW_X", "set by the sandbox");
    fx.single(HEAD + "env: {A-B: x}\n", 4, 7, "env.A-B", "not a valid environment variable");
    fx.single(HEAD + "env: {A: }\n", 4, 9, "env.A", "must be a single value, not null");
  }

  @Test
  void everyErrorIsReportedInFileOrder() {
    List<SpecError> errs = fx.errors("""
        apiVersion: nemoclaw.dev/v1
        name: BAD
        comand: [sh]
        resources:
          memory: lots
          pids: -1
        network:
          allow:
            - host: a.com
              ports: [443, 99999]
        """);
    assertEquals(6, errs.size(), errs::toString);
    assertAt(errs.get(0), 1, 1, "command", "required");
    assertAt(errs.get(1), 2, 7, "name", "not a valid name");
    assertAt(errs.get(2), 3, 1, "comand", "unknown key");
    assertAt(errs.get(3), 5, 11, "resources.memory", "not a size");
    assertAt(errs.get(4), 6, 9, "resources.pids", "out of range");
    assertAt(errs.get(5), 10, 20, "network.allow[0].ports[1]", "allowed: 1..65535");
  }

  @Test
  void interpolation() throws Exception {
    String spec = HEAD + "env: {A: '${X}', B: '${Y:-dflt}', C: 'p$$q', D: '^a$'}\n"
        + "resources: {memory: '${MEM:-1Gi}'}\n";
    AgentSpec s = fx.load(spec, Map.of("X", "from-env"));
    assertEquals(Map.of("A", "from-env", "B", "dflt", "C", "p$q", "D", "^a$"), s.env());
    assertEquals(1L << 30, s.resources().memoryBytes());
    assertEquals("set", fx.load(spec, Map.of("X", "x", "Y", "set")).env().get("B"));
    fx.single(spec, 4, 10, "env.A", "variable X is not set");
  }

  @Test
  void keysAreNeverInterpolated() {
    fx.single(HEAD + "env: {'${K}': v}\n", 4, 7, "env.${K}", "not a valid environment");
  }

  @Test
  void presetsInSpec() throws Exception {
    AgentSpec s = fx.load(HEAD + "network: {presets: [pypi, debian]}\n");
    assertEquals(List.of("pypi", "debian"), s.network().presetNames());
    assertEquals(List.of(80, 443), s.network().effectiveAllow().get(2).ports());
    SpecError e = fx.single(HEAD + "network:\n  presets:\n    - npm\n    - nmp\n", 7, 7,
        "network.presets[1]", "unknown preset 'nmp'; available: anthropic, debian, discord, docker,"
        + " github, huggingface, jira, maven, npm, nvidia, openai, openclaw, outlook, pypi, slack,"
        + " telegram");
    assertTrue(e.message().endsWith("(did you mean 'npm'?)"), e::message);
  }

  @Test
  void fileLevelErrors() throws IOException {
    SpecException missing = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
        () -> fx.loader.read(tmp.resolve("none.yaml"), Map.of()));
    assertEquals(tmp.resolve("none.yaml") + ": no such file",
        missing.errors().getFirst().render());
    fx.single("", 1, 1, "", "empty");
    fx.single("- a\n", 1, 1, "", "must be a mapping");
    Files.writeString(tmp.resolve("big.yaml"), "#".repeat(2 * 1024 * 1024));
    SpecException big = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
        () -> fx.loader.read(tmp.resolve("big.yaml"), Map.of()));
    assertTrue(big.errors().getFirst().message().contains("at most 1048576"));
  }
}
