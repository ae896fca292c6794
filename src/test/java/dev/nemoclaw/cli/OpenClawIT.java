package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.fake.FakeModel.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenClaw (npm, prepared by examples/openclaw/prepare.sh, kept in
 * examples/openclaw/runtime across runs) in a real sandbox, driven by the fake model's scripted
 * tool calls: its exec tool fetches an allowed origin, a denied one and writes outside the
 * workspace. The origin listens on 203.0.113.7 (TEST-NET-3, see {@link TestNet}).
 */
class OpenClawIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLE = Cli.REPO.resolve("examples/openclaw");
  /** Where the escaping write aims: a host path that must not appear. */
  private static final String ESCAPE = "/usr/local/nemoclaw-openclaw-escape";

  @TempDir static Path work;
  static HttpServer origin;
  static FakeModel model;
  static boolean added;

  @BeforeAll
  static void start() throws Exception {
    prepareRuntime();
    added = TestNet.add();
    origin = TestNet.http(50, TestNet::hello);
    model = FakeModel.start(0, Optional.empty());
    Files.writeString(work.resolve("hosts"), TestNet.IP + " allowed.test denied.test asked.test\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop(0);
    }
    if (model != null) {
      model.close();
    }
    TestNet.remove(added);
  }

  /**
   * The one documented command; a second time it only checks (about a second). Skipped, with
   * the reason, only when the npm registry cannot be reached at all.
   */
  static void prepareRuntime() throws Exception {
    Process p = new ProcessBuilder(EXAMPLE.resolve("prepare.sh").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    assertTrue(p.waitFor(15, TimeUnit.MINUTES), "prepare.sh did not finish in 15 minutes");
    if (p.exitValue() != 0) {
      Process ping = new ProcessBuilder("npm", "ping").redirectErrorStream(true).start();
      ping.getInputStream().readAllBytes();
      assumeTrue(ping.waitFor() == 0 && ping.exitValue() == 0,
          "the npm registry is unreachable, so the OpenClaw runtime cannot be prepared");
      throw new AssertionError("examples/openclaw/prepare.sh failed (exit " + p.exitValue() + ")");
    }
  }

  /**
   * The example's agent.yaml with one allow rule added, its own paths made absolute, and exec
   * allowed (the example asks the operator for each shell command; these tests script them).
   */
  static Path spec(String name, int port) throws Exception {
    return spec(name, port, true);
  }

  static Path spec(String name, int port, boolean allowExec) throws Exception {
    String exec = "{match: \"server:openclaw/tool:exec\", action: require-approval}";
    String yaml = Files.readString(EXAMPLE.resolve("agent.yaml"));
    assertTrue(yaml.contains(exec), "the example's tools rules changed shape; update this test");
    if (allowExec) {
      yaml = yaml.replace(exec, "{match: \"server:openclaw/tool:exec\", action: allow}");
    }
    yaml = yaml
        .replace("name: openclaw", "name: " + name)
        .replace("source: ./config", "source: " + EXAMPLE.resolve("config"))
        .replace("  presets: [openclaw]", "  presets: [openclaw]\n  allow:\n"
            + "    - {host: allowed.test, ports: [" + port + "]}");
    assertTrue(yaml.contains("allowed.test") && yaml.contains(EXAMPLE.resolve("config").toString()),
        "the example's agent.yaml changed shape; update this test");
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, yaml);
    return f;
  }

  static Path workspace(String name) throws Exception {
    Path ws = work.resolve(name + "-workspace");
    Files.createDirectories(ws);
    new ProcessBuilder("chown", "1000:1000", ws.toString()).start().waitFor();
    new ProcessBuilder("chmod", "a+rx", work.toString()).start().waitFor();
    return ws;
  }

  record Run(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  /** {@code nemoclaw run}, bounded twice: the spec's timeout, and here, in case that failed. */
  static Run run(Path home, Path workspace, String... args) throws Exception {
    return run(null, home, workspace, args);
  }

  /** {@code prefix}: as {@link Cli#run}; with one the launcher runs from the rootless copy. */
  static Run run(List<String> prefix, Path home, Path workspace, String... args)
      throws Exception {
    Path repo = prefix == null ? Cli.REPO : Cli.rootlessCopy();
    List<String> cmd = new ArrayList<>(prefix == null ? List.of() : prefix);
    cmd.add(repo.resolve("nemoclaw").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile());
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    pb.environment().remove("CI");
    pb.environment().putAll(Map.of("NEMOCLAW_HOME", home.toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + work.resolve("hosts"),
        "OPENCLAW_MODEL_URL", model.baseUrl().toString(),
        "OPENCLAW_TIMEOUT", "4m", "OPENCLAW_WORKSPACE", workspace.toString(),
        "OPENCLAW_RUNTIME", EXAMPLE.resolve("runtime").toString()));
    // root's runs have a key for the route main; the rootless one has none, so the example's
    // keyless fallback serves it, as it does for a local model server
    pb.environment().remove("NVIDIA_API_KEY");
    if (prefix != null) { // the plugin copy the rootless test made for nobody
      pb.environment().put("OPENCLAW_PLUGIN", work.resolve("rootless-plugin").toString());
    }
    if (prefix == null) {
      pb.environment().put("NVIDIA_API_KEY", "unused-by-the-fake");
    }
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("nemoclaw run did not end in 5 minutes:\n" + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** The nemoclaw plugin said it governs this run's tool calls (a skipped plugin says nothing). */
  static void assertPluginLoaded(Run r) {
    assertTrue((r.stdout() + r.stderr()).contains("nemoclaw: tool calls in sandbox"),
        "the nemoclaw plugin did not load: " + r);
  }

  /** The tool results OpenClaw sent back to the model, in order. */
  static List<String> toolResults(int from) throws Exception {
    List<String> out = new ArrayList<>();
    List<FakeModel.Request> got = model.requests();
    for (FakeModel.Request r : got.subList(from, got.size())) {
      if (!r.path().endsWith("/chat/completions")) {
        continue;
      }
      for (JsonNode m : JSON.readTree(r.body()).path("messages")) {
        if (m.path("role").asText().equals("tool")) {
          JsonNode c = m.path("content");
          String text = c.isTextual() ? c.asText() : c.toString();
          if (!out.contains(text)) {
            out.add(text);
          }
        }
      }
    }
    return out;
  }

  /**
   * One task as CI runs it: OpenClaw asks the fake model, which answers with three exec tool
   * calls and then a text. The allowed fetch gets the origin's answer; the denied one our 403
   * (and it is in the report's {@code denied}); the write outside the workspace fails.
   */
  @Test
  void oneTaskRunsItsToolCallsUnderThePolicy() throws Exception {
    int port = origin.getAddress().getPort();
    Path home = work.resolve("home-task");
    Path report = work.resolve("task.json");
    int before = model.requests().size();
    model.script(List.of(
        Step.toolCall("exec", Map.of("command",
            "curl -s http://allowed.test:" + port + "/allowed", "title", "fetch allowed")),
        Step.toolCall("exec", Map.of("command",
            "curl -s http://denied.test:" + port + "/denied", "title", "fetch denied")),
        Step.toolCall("exec", Map.of("command",
            "echo pwned > " + ESCAPE + " && echo escaped || echo write-refused", "title",
            "write outside")),
        Step.text("All three commands ran.")));
    Run r = run(home, workspace("oc-task"), "run", "--ci", "--report", report.toString(), spec("oc-task", port).toString(),
        "--", "openclaw", "agent", "--local", "--agent",
        "main", "--session-id", "ci", "-m", "Run the three checks");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("All three commands ran."), r::toString);
    assertPluginLoaded(r);
    assertEquals(0, model.scriptLeft(), "OpenClaw asked the model for every step: " + r);

    List<String> results = toolResults(before);
    String all = String.join("\n---\n", results);
    assertTrue(all.contains("hello from origin /allowed"), "the allowed fetch: " + all);
    assertTrue(all.contains("policy_denied") && all.contains("denied.test"),
        "the denied fetch gets our 403 JSON: " + all);
    assertFalse(all.contains("hello from origin /denied"), all);
    assertTrue(all.contains("write-refused") && !all.contains("escaped"),
        "the write outside the workspace: " + all);
    assertFalse(Files.exists(Path.of(ESCAPE)), ESCAPE + " appeared on the host");

    JsonNode rep = JSON.readTree(report.toFile());
    assertEquals(0, rep.path("exitCode").asInt(), rep::toString);
    List<String> denied = new ArrayList<>();
    rep.path("denied").forEach(d -> denied.add(d.path("host").asText() + ":"
        + d.path("port").asInt() + " " + d.path("binary").asText()));
    assertEquals(List.of("denied.test:" + port + " /usr/bin/curl"), denied, rep::toString);
    assertEquals(4, rep.path("inference").path("requests").asInt(), rep::toString);
  }

  /**
   * A task as an ordinary user (rootless, as on a laptop) and without a key: the sandbox user is
   * then the caller, so the workspace belongs to nobody here; the runtime is mounted where it was
   * made; the route main has no key and its keyless fallback answers.
   */
  @Test
  void oneTaskRootless() throws Exception {
    Process probe = new ProcessBuilder(List.of("setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "--", "test", "-r", EXAMPLE.resolve("runtime/bin/node").toString()))
        .start();
    assumeTrue(probe.waitFor() == 0, "the runtime under " + EXAMPLE + " is not readable by nobody");
    int port = origin.getAddress().getPort();
    Path home = work.resolve("home-rootless");
    Path ws = work.resolve("rootless-workspace");
    Files.createDirectories(home);
    Files.createDirectories(ws);
    // OpenClaw loads plugin files owned by its own uid (here: nobody's) or root only
    Path plugin = work.resolve("rootless-plugin");
    new ProcessBuilder("cp", "-r", EXAMPLE.resolve("runtime/nemoclaw-plugin").toString(),
        plugin.toString()).start().waitFor();
    new ProcessBuilder("chown", "-R", "65534:65534", home.toString(), ws.toString(),
        plugin.toString()).start().waitFor();
    TestNet.readableBySandbox(work);
    Path report = home.resolve("report.json");
    int before = model.requests().size();
    model.script(List.of(
        Step.toolCall("exec", Map.of("command",
            "curl -s http://denied.test:" + port + "/denied", "title", "fetch denied")),
        Step.text("Done as nobody.")));
    Run r = run(Cli.ROOTLESS, home, ws, "run", "--ci", "--report", report.toString(),
        spec("oc-rootless", port).toString(), "--", "openclaw", "agent", "--local", "--agent",
        "main", "--session-id", "ci", "-m", "One check");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("Done as nobody."), r::toString);
    assertPluginLoaded(r);
    String all = String.join("\n", toolResults(before));
    assertTrue(all.contains("policy_denied"), all);
    JsonNode rep = JSON.readTree(report.toFile());
    assertEquals("denied.test", rep.path("denied").path(0).path("host").asText(), rep::toString);
    assertTrue(Files.exists(ws.resolve(".openclaw")), "OpenClaw's state is in the workspace");
    assertTrue(r.stderr().contains("NVIDIA_API_KEY"), "the missing key is said: " + r);
    JsonNode keyless = rep.path("inference").path("routes").path(1);
    assertEquals("keyless", keyless.path("name").asText(), rep::toString);
    assertEquals(2, keyless.path("calls").asInt(), rep::toString);
  }

  /**
   * Issue 10's acceptance in examples/openclaw: the plugin asks policy.local before each tool
   * call; a call the rules block is refused with the reason, one marked require-approval waits
   * in the inbox (what `nemoclaw term` shows) until the operator approves or denies it, and every
   * decision is in the audit log.
   */
  @Test
  void toolCallsAreBlockedOrHeldForTheOperatorAndAudited() throws Exception {
    int port = origin.getAddress().getPort();
    Path home = work.resolve("home-tools");
    Path ws = workspace("oc-tools");
    int before = model.requests().size();
    model.script(List.of(
        Step.toolCall("write", Map.of("path", "blocked.txt", "content", "nope")),
        Step.toolCall("exec", Map.of("command", "echo approved-ran > approved.txt && cat approved.txt",
            "title", "approved")),
        Step.toolCall("exec", Map.of("command", "touch forbidden.txt", "title", "denied")),
        Step.text("Tools checked.")));
    Map<String, String> env = new java.util.HashMap<>(Map.of("NEMOCLAW_HOME", home.toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + work.resolve("hosts"),
        "OPENCLAW_MODEL_URL", model.baseUrl().toString(), "OPENCLAW_TIMEOUT", "4m",
        "OPENCLAW_WORKSPACE", ws.toString(), "OPENCLAW_RUNTIME",
        EXAMPLE.resolve("runtime").toString(), "NVIDIA_API_KEY", "unused-by-the-fake"));
    // the example's rules, plus one blocking writes (a tool agent --local has, unlike gateway)
    Path f = spec("oc-tools", port, false);
    String gateway = "  - {match: \"server:openclaw/tool:gateway\", action: block}";
    Files.writeString(f, Files.readString(f).replace(gateway,
        "  - {match: \"server:openclaw/tool:write\", action: block}\n" + gateway));
    Bg bg = Bg.start(env, work, "run", f.toString(), "--",
        "openclaw", "agent", "--local", "--agent", "main", "--session-id", "tools", "-m",
        "Check the tools");
    JsonNode first = pendingTool(env, bg);
    assertTrue(first.path("detail").asText().contains("openclaw/exec"), first::toString);
    assertTrue(first.path("detail").asText().contains("approved-ran"), first::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "approve", first.path("id").asText()).exit());
    JsonNode second = pendingTool(env, bg);
    assertTrue(second.path("detail").asText().contains("forbidden.txt"), second::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "deny", second.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    Run r = new Run(0, bg.stdout(), bg.stderr());
    assertTrue(r.stdout().contains("Tools checked."), r::toString);
    assertPluginLoaded(r);
    String all = String.join("\n---\n", toolResults(before));
    assertTrue(all.contains("blocked by nemoclaw policy") && all.contains("tool:write"),
        "the write is refused by its rule, with the reason: " + all);
    assertFalse(Files.exists(ws.resolve("blocked.txt")), "the blocked write never happened");
    assertTrue(all.contains("approved-ran"), "the approved exec ran: " + all);
    assertTrue(Files.exists(ws.resolve("approved.txt")), "the approved exec wrote its file");
    assertFalse(Files.exists(ws.resolve("forbidden.txt")), "the denied exec never ran");
    Cli.Result ocsf = Cli.run(env, null, "audit", "export", "oc-tools", "--format", "ocsf");
    assertEquals(0, ocsf.exit(), ocsf::toString);
    List<String> calls = new ArrayList<>();
    for (String l : ocsf.stdout().lines().toList()) {
      JsonNode e = JSON.readTree(l);
      if (e.path("class_uid").asInt() == 6003 && e.path("api").has("operation")
          && !e.at("/api/operation").asText().equals("inference")) {
        calls.add(e.at("/api/operation").asText() + " " + e.at("/unmapped/allowed").asBoolean());
      }
    }
    assertEquals(List.of("write false", "exec true", "exec false"), calls, ocsf::toString);
  }

  /** The next pending tool approval of this run (fails if the run ends first). */
  static JsonNode pendingTool(Map<String, String> env, Bg bg) throws Exception {
    for (int i = 0; i < 1200; i++) {
      Cli.Result r = Cli.run(env, null, "approvals", "list", "-o", "json");
      for (JsonNode item : JSON.readTree(r.stdout())) {
        if (item.path("kind").asText().equals("tool")) {
          return item;
        }
      }
      assertTrue(bg.p().isAlive(), () -> "the run ended before asking: " + bg.stderr());
      Thread.sleep(100);
    }
    throw new AssertionError("no pending tool approval in 2 minutes: " + bg.stderr());
  }

  /**
   * The laptop flow in one screen, with issue 10's acceptance: OpenClaw's exec waits in the
   * `run --tui` pane as a tool call the policy marks require-approval; `o` lets it run; its fetch
   * of a host no rule covers is held in turn; `o` lets it through and OpenClaw gets the page.
   */
  @Test
  void runTuiHoldsAnUnknownHostUntilItIsApprovedInThePane() throws Exception {
    int port = origin.getAddress().getPort();
    Path home = work.resolve("home-tui");
    Path ws = workspace("oc-tui");
    Path done = work.resolve("tui.exit");
    int before = model.requests().size();
    model.script(List.of(
        Step.toolCall("exec", Map.of("command",
            "curl -s --max-time 240 http://asked.test:" + port + "/asked", "title", "fetch")),
        Step.text("Fetched the page.")));
    Path f = spec("oc-tui", port, false); // the example's rules: exec waits for the operator
    String env = "env -u CI NEMOCLAW_SKIP_BUILD=1 NEMOCLAW_HOME=" + home
        + " JAVA_TOOL_OPTIONS=-Djdk.net.hosts.file=" + work.resolve("hosts")
        + " OPENCLAW_MODEL_URL=" + model.baseUrl() + " NVIDIA_API_KEY=unused OPENCLAW_TIMEOUT=4m"
        + " OPENCLAW_WORKSPACE=" + ws + " OPENCLAW_RUNTIME=" + EXAMPLE.resolve("runtime");
    String cmd = env + " " + Cli.REPO.resolve("nemoclaw") + " run --tui " + f
        + " -- openclaw agent --local --agent main --session-id tui -m 'fetch asked.test'"
        + "; echo $? > " + done + "; sleep 120";
    String sock = work.resolve("tmux.sock").toString();
    String session = "nc-openclaw-" + ProcessHandle.current().pid();
    try {
      assertEquals(0, new ProcessBuilder("tmux", "-S", sock, "new-session", "-d", "-s", session,
          "-x", "160", "-y", "40", cmd).inheritIO().start().waitFor());
      waitFor(sock, session, "openclaw/exec", 180);       // the tool call, held in the pane
      new ProcessBuilder("tmux", "-S", sock, "send-keys", "-t", session, "o").start().waitFor();
      // then its fetch is held too: approved from a second terminal this time
      Map<String, String> cli = Map.of("NEMOCLAW_HOME", home.toString());
      String egress = null;
      for (int i = 0; i < 900 && egress == null; i++) {
        for (JsonNode item : JSON.readTree(Cli.run(cli, null, "approvals", "list", "-o", "json")
            .stdout())) {
          if (item.path("kind").asText().equals("egress")) {
            egress = item.path("id").asText();
          }
        }
        Thread.sleep(200);
      }
      assertTrue(egress != null, "the fetch was never held");
      assertTrue(model.scriptLeft() == 1, "OpenClaw is waiting on its tool call");
      assertEquals(0, Cli.run(cli, null, "approvals", "approve", egress).exit());
      waitFor(sock, session, "Fetched the page.", 180);   // OpenClaw's answer, in its pane
      waitFor(sock, session, "exited 0", 60);
      new ProcessBuilder("tmux", "-S", sock, "send-keys", "-t", session, "q").start().waitFor();
      for (int i = 0; i < 300 && !Files.exists(done); i++) {
        Thread.sleep(100);
      }
      assertEquals("0", Files.readString(done).strip());
    } finally {
      new ProcessBuilder("tmux", "-S", sock, "kill-server").start().waitFor();
    }
    String all = String.join("\n", toolResults(before));
    assertTrue(all.contains("hello from origin /asked"), "the approved fetch: " + all);
  }

  static String waitFor(String sock, String session, String text, int seconds) throws Exception {
    String screen = "";
    for (int i = 0; i < seconds * 5; i++) {
      screen = ApprovalsIT.capture(sock, session);
      if (screen.contains(text)) {
        return screen;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("never showed " + text + ":\n" + screen);
  }
}
