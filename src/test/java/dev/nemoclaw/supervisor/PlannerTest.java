package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
  @TempDir Path dir;

  AgentSpec spec(String yaml) throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: t\n" + yaml);
    return SpecLoader.load(f, Map.of());
  }

  @Test
  void hostSecretsNeverReachTheEnvironment() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\nenv: {A: b}\n"), Planner.Overrides.NONE,
        Map.of("OPENAI_API_KEY", "sk-real", "AWS_SECRET_ACCESS_KEY", "s3cr3t", "TERM", "xterm"));
    assertFalse(p.env().containsValue("sk-real"));
    assertFalse(p.env().containsValue("s3cr3t"));
    assertFalse(p.env().containsKey("AWS_SECRET_ACCESS_KEY"));
    assertEquals("b", p.env().get("A"));
    assertEquals("xterm", p.env().get("TERM"));
    assertEquals("t", p.env().get("NEMOCLAW_SANDBOX"));
  }

  @Test
  void proxyModeSetsTheContractVariables() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\n"), Planner.Overrides.NONE, Map.of());
    for (String k : List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
        "all_proxy")) {
      assertEquals("http://127.0.0.1:3128", p.env().get(k), k);
    }
    assertEquals("localhost,127.0.0.1,::1", p.env().get("NO_PROXY"));
    assertEquals("1", p.env().get("NODE_USE_ENV_PROXY"));
    assertEquals("http://inference.local/v1", p.env().get("OPENAI_BASE_URL"));
    assertTrue(p.env().get("JAVA_TOOL_OPTIONS").contains("-Dhttps.proxyPort=3128"));
    assertFalse(p.env().get("OPENAI_API_KEY").startsWith("sk-"));
  }

  static final List<String> CA_VARIABLES = List.of("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "NODE_EXTRA_CA_CERTS");

  @Test
  void withoutInspectionNoCaVariableAndNoCaMount() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\nnetwork:\n  allow: [{host: a.example,"
        + " inspect: true}]\n"), Planner.Overrides.NONE, Map.of("SSL_CERT_FILE", "/host/ca"));
    for (String k : CA_VARIABLES) {
      assertFalse(p.env().containsKey(k), k); // the supervisor adds them, with the CA
    }
    assertTrue(p.mounts().stream().noneMatch(m -> m.target().equals(Planner.TLS_DIR)));
  }

  @Test
  void withTheSandboxCaItsFilesAreBoundReadOnlyAndTheVariablesNameThem() throws Exception {
    assertThrows(Planner.PlanException.class, () -> Planner.plan(spec("command: [x]\n"),
        new Planner.Overrides(Optional.empty(), Optional.empty(), Map.of("SSL_CERT_FILE", "/x")),
        Map.of()), "-e cannot set a CA variable");
    SandboxPlan p = Planner.plan(spec("command: [x]\n"),
        new Planner.Overrides(Optional.empty(), Optional.empty(), Map.of("K", "V")), Map.of());
    Path tls = dir.resolve("runs/t/tls");
    SandboxPlan q = Planner.withSandboxCa(p, tls);
    SandboxPlan.Mount m = q.mounts().getLast();
    assertEquals(tls, m.source());
    assertEquals("/run/nemoclaw/tls", m.target());
    assertFalse(m.writable());
    assertEquals(p.mounts().size() + 1, q.mounts().size());
    for (String k : List.of("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        "GIT_SSL_CAINFO")) {
      assertEquals("/run/nemoclaw/tls/ca-bundle.pem", q.env().get(k), k);
    }
    assertEquals("/run/nemoclaw/tls/ca.pem", q.env().get("NODE_EXTRA_CA_CERTS"));
    assertEquals("V", q.env().get("K"));
    assertEquals(p.env().get("HTTPS_PROXY"), q.env().get("HTTPS_PROXY"));
    assertEquals(List.of(p.name(), p.command(), p.root(), p.tmpfs(), p.resources(),
        p.security(), p.network()), List.of(q.name(), q.command(), q.root(), q.tmpfs(),
        q.resources(), q.security(), q.network()));
  }

  @Test
  void noneModeSetsNoProxy() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\nnetwork: {mode: none}\n"),
        Planner.Overrides.NONE, Map.of());
    assertFalse(p.env().containsKey("HTTP_PROXY"));
    assertEquals(SandboxPlan.NetworkMode.NONE, p.network().mode());
  }

  @Test
  void overridesReplaceNameCommandAndAddEnv() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\n"), new Planner.Overrides(Optional.of("other"),
        Optional.of(List.of("id", "-u")), Map.of("K", "V")), Map.of());
    assertEquals("other", p.name());
    assertEquals("other", p.hostname());
    assertEquals(List.of("id", "-u"), p.command());
    assertEquals("V", p.env().get("K"));
  }

  @Test
  void overridesCannotTouchSandboxVariables() throws Exception {
    AgentSpec s = spec("command: [x]\n");
    var e = assertThrows(Planner.PlanException.class, () -> Planner.plan(s,
        new Planner.Overrides(Optional.empty(), Optional.empty(), Map.of("HTTP_PROXY", "x")),
        Map.of()));
    assertTrue(e.getMessage().contains("HTTP_PROXY"));
    assertThrows(Planner.PlanException.class, () -> Planner.plan(s, new Planner.Overrides(
        Optional.of("Bad_Name"), Optional.empty(), Map.of()), Map.of()));
  }

  @Test
  void hostImageBindsOnlyExistingSystemDirs() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\n"), Planner.Overrides.NONE, Map.of());
    SandboxPlan.RootFs.Host h = assertInstanceOf(SandboxPlan.RootFs.Host.class, p.root());
    assertTrue(h.binds().containsAll(List.of("/usr", "/etc")));
    assertFalse(h.binds().contains("/home"));
    assertFalse(h.binds().contains("/root"));
    for (String b : h.binds()) {
      assertTrue(Files.exists(Path.of(b)), b);
    }
  }

  @Test
  void defaultsFlowIntoThePlan() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [x]\n"), Planner.Overrides.NONE, Map.of());
    assertEquals(1000, p.uid());
    assertEquals(1000, p.gid());
    assertEquals("/sandbox", p.workdir());
    assertEquals(2L << 30, p.resources().memoryBytes());
    assertEquals(512, p.resources().pids());
    assertEquals(List.of(new SandboxPlan.Tmpfs("/tmp", 256L << 20)), p.tmpfs());
    assertEquals(SandboxPlan.LandlockMode.REQUIRED, p.security().landlock());
    assertTrue(p.security().seccompProfile().endsWith("profiles/seccomp/default.json"));
  }
}
