package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live approvals end to end (CONTRACT §5): a real sandbox holds an unknown destination; the real
 * CLI ({@code approvals}) and the real TUI ({@code term}, in tmux) decide it. The origin listens on
 * 203.0.113.7 (TEST-NET-3 on the host's loopback device, as in {@link ProxyIT}).
 */
class ApprovalsIT {
  static final String IP = TestNet.IP;
  @TempDir static Path work;
  static HttpServer origin;
  static Path hosts;
  static boolean added;

  @BeforeAll
  static void start() throws Exception {
    added = TestNet.add();
    origin = TestNet.http(50, TestNet::hello);
    hosts = work.resolve("hosts");
    Files.writeString(hosts, IP + " one.test two.test three.test four.test five.test six.test\n");
    TestNet.readableBySandbox(work);
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop(0);
    }
    TestNet.remove(added);
  }

  static int port() {
    return origin.getAddress().getPort();
  }

  Path spec(String name, String script, String timeout) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: %s
        command: [sh, -c, %s]
        network: {mode: proxy, unknown: ask, approvalTimeout: %s}
        """.formatted(name, new ObjectMapper().writeValueAsString(script), timeout));
    return f;
  }

  Map<String, String> env(String home) {
    return Map.of("NEMOCLAW_HOME", work.resolve(home).toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts);
  }

  Bg run(Map<String, String> env, String... args) throws IOException {
    return Bg.start(env, work, args);
  }

  /** The pending approvals once {@code n} exist (or fails after 20 s). */
  JsonNode pending(Map<String, String> env, int n) throws Exception {
    return Cli.pendingApprovals(env, items -> items.size() >= n, 20);
  }

  String curl(String host, String path) {
    return "curl -s --max-time 30 http://" + host + ":" + port() + path;
  }

  @Test
  void approveOnceReleasesTheHeldRequestAndTheNextOneAsksAgain() throws Exception {
    approveOnce("h1", "ask-once");
  }

  @Test
  void onDockerTheSameRequestIsHeldAndReleasedTheSameWay() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    approveOnce("h1d", "ask-once-docker", "--backend", "docker");
  }

  private void approveOnce(String home, String name, String... runOptions) throws Exception {
    Map<String, String> env = env(home);
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(List.of(runOptions));
    args.add(spec(name, "echo got: $(" + curl("one.test", "/a")
        + "); echo again: $(" + curl("one.test", "/b") + ")", "30s").toString());
    Bg bg = run(env, args.toArray(String[]::new));
    JsonNode items = pending(env, 1);
    JsonNode item = items.get(0);
    assertEquals("one.test", item.path("host").asText());
    assertEquals("/usr/bin/curl", item.path("binary").asText());
    assertEquals("{host: one.test, ports: [" + port() + "]}", item.path("rule").asText());
    Cli.Result ok = Cli.run(env, null, "approvals", "approve", item.path("id").asText());
    assertEquals(0, ok.exit(), ok::toString);
    Cli.Result twice = Cli.run(env, null, "approvals", "deny", item.path("id").asText());
    assertEquals(1, twice.exit(), twice::toString); // decided already (or gone)
    JsonNode second = pending(env, 1).get(0); // once: the next request asks again
    assertFalse(second.path("id").asText().equals(item.path("id").asText()));
    assertEquals(0, Cli.run(env, null, "approvals", "deny", second.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    assertTrue(bg.stdout().contains("got: hello from origin /a"), bg::stdout);
    assertTrue(bg.stdout().contains("again: {\"error\":\"policy_denied\""), bg::stdout);
  }

  @Test
  void sessionCoalescesAndCoversTheRestOfTheRun() throws Exception {
    Map<String, String> env = env("h2");
    Bg bg = run(env, "run", spec("ask-session", curl("two.test", "/1") + " & "
        + curl("two.test", "/2") + " & wait; echo; echo later: $(" + curl("two.test", "/3")
        + ")", "30s").toString());
    JsonNode items = pending(env, 1);
    for (int i = 0; i < 50 && items.get(0).path("hits").asInt() < 2; i++) {
      Thread.sleep(100);
      items = pending(env, 1);
    }
    assertEquals(1, items.size(), items::toString);
    assertEquals(2, items.get(0).path("hits").asInt(), items::toString); // coalesced
    assertEquals(0, Cli.run(env, null, "approvals", "approve", items.get(0).path("id").asText(),
        "--scope", "session").exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    assertTrue(bg.stdout().contains("hello from origin /1"), bg::stdout);
    assertTrue(bg.stdout().contains("hello from origin /2"), bg::stdout);
    assertTrue(bg.stdout().contains("later: hello from origin /3"), bg::stdout);
  }

  @Test
  void denyTimeoutAndCiAllRefuseWith403() throws Exception {
    Map<String, String> env = env("h3");
    // the deny below is a CLI start of its own: on a loaded host it took over 2 s, and the first
    // request had timed out before it could be denied
    Bg bg = run(env, "run", spec("ask-deny", "echo denied: $(" + curl("three.test", "/d")
        + "); echo timeout: $(" + curl("four.test", "/t") + ")", "6s").toString(),
        "--report", work.resolve("deny.json").toString());
    JsonNode item = pending(env, 1).get(0);
    assertEquals(0, Cli.run(env, null, "approvals", "deny", item.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    assertTrue(bg.stdout().contains("denied: {\"error\":\"policy_denied\""), bg::stdout);
    assertTrue(bg.stdout().contains("timeout: {\"error\":\"policy_denied\""), bg::stdout);
    String report = Files.readString(work.resolve("deny.json"));
    assertTrue(report.contains("three.test") && report.contains("four.test"), report);

    Bg ci = run(env, "run", "--ci", spec("ask-ci", "echo ci: $(" + curl("five.test", "/c") + ")",
        "60s").toString());
    assertEquals(0, ci.waitFor(), ci::stderr); // never held: done well before the 60 s timeout
    assertTrue(ci.stdout().contains("ci: {\"error\":\"policy_denied\""), ci::stdout);
  }

  @Test
  void alwaysIsStoredAndTheNextRunDoesNotAsk() throws Exception {
    Map<String, String> env = env("h4");
    Path f = spec("ask-always", "echo got: $(" + curl("six.test", "/x") + ")", "30s");
    Bg bg = run(env, "run", f.toString());
    JsonNode item = pending(env, 1).get(0);
    assertEquals(0, Cli.run(env, null, "approvals", "approve", item.path("id").asText(),
        "--scope", "always").exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    assertTrue(bg.stdout().contains("got: hello from origin /x"), bg::stdout);
    Cli.Result again = Cli.run(env, null, "run", "--ci", f.toString());
    assertEquals(0, again.exit(), again::toString);
    assertTrue(again.stdout().contains("got: hello from origin /x"), again::toString);
    Cli.Result history = Cli.run(env, null, "policy", "history", "ask-always", "-o", "json");
    assertEquals(0, history.exit(), history::toString);
    assertTrue(history.stdout().contains("\"author\" : \"root\"")
        || history.stdout().contains("\"author\":\"root\""), history::toString);
    assertTrue(history.stdout().contains("cli"), history::toString);

    // the audit log has it all: held, approved by whom, the revision; then an offline rollback
    Cli.Result rb = Cli.run(env, null, "policy", "rollback", "ask-always", "--to", "0");
    assertEquals(0, rb.exit(), rb::toString);
    List<JsonNode> events = ocsf(env, "ask-always");
    JsonNode held = find(events, e -> e.path("class_uid").asInt() == 4002
        && e.path("action").asText().equals("Held"));
    assertEquals("six.test", held.at("/http_request/url/hostname").asText(), held::toString);
    JsonNode approval = find(events, e -> e.path("class_uid").asInt() == 3003);
    assertEquals("root", approval.at("/actor/user/name").asText(), approval::toString);
    assertEquals("always", approval.at("/unmapped/scope").asText(), approval::toString);
    List<JsonNode> changes = events.stream().filter(e -> e.path("class_uid").asInt() == 5019).toList();
    assertEquals(2, changes.size(), events::toString);
    assertEquals(1, changes.get(0).at("/unmapped/revision").asInt());
    assertEquals(2, changes.get(1).at("/unmapped/revision").asInt());
    assertTrue(changes.get(1).at("/unmapped/reason").asText().contains("rollback to revision 0"),
        changes.get(1)::toString);
    assertTrue(changes.get(1).at("/unmapped/removed/0").asText().contains("six.test"),
        changes.get(1)::toString);
    // the second run started under revision 1
    assertEquals(List.of(0, 1), events.stream().filter(e -> e.path("type_uid").asInt() == 100701)
        .map(e -> e.at("/unmapped/policy_revision").asInt()).toList(), events::toString);
  }

  /** Issue 9's acceptance: a rollback while the agent runs decides its very next request. */
  @Test
  void aRollbackDuringARunChangesTheDecisionOfItsNextRequest() throws Exception {
    Map<String, String> env = env("h7");
    String name = "live-rollback";
    dev.nemoclaw.policy.PolicyStore.forSandbox(work.resolve("h7/state"), name).append(
        List.of(dev.nemoclaw.approval.ApprovalRequest.alwaysRule("one.test", port())), List.of(),
        "alice", "cli", "seeded by the test");
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: %s
        command: [sh, -c, %s]
        network: {mode: proxy, unknown: deny}
        """.formatted(name, new ObjectMapper().writeValueAsString(
        "i=0; while [ $i -lt 300 ]; do echo \"r$i: $(" + curl("one.test", "/live")
            + ")\"; i=$((i+1)); sleep 0.1; done")));
    Bg bg = run(env, "run", f.toString());
    bg.awaitStdout("hello from origin /live", 30);
    Cli.Result rb = Cli.run(env, null, "policy", "rollback", name, "--to", "0");
    assertEquals(0, rb.exit(), rb::toString);
    assertTrue(rb.stderr().contains("takes it up within a second"), rb::toString);
    long t0 = System.nanoTime();
    bg.awaitStdout("policy_denied", 10);
    System.out.println("rollback reached the running sandbox in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    assertTrue(bg.stderr().contains("policy revision 2 is in force"), bg::stderr);
    assertEquals(0, Cli.run(env, null, "stop", name).exit());
    bg.waitFor();
    // every answer after the first denial is a denial: one generation at a time
    List<String> answers = bg.stdout().lines().filter(l -> l.startsWith("r")).toList();
    int firstDenied = 0;
    while (!answers.get(firstDenied).contains("policy_denied")) {
      firstDenied++;
    }
    assertTrue(firstDenied > 0, bg::stdout);
    assertTrue(answers.subList(firstDenied, answers.size()).stream()
        .allMatch(l -> l.contains("policy_denied") || !l.contains("hello")), bg::stdout);
    JsonNode change = find(ocsf(env, name), e -> e.path("class_uid").asInt() == 5019);
    assertEquals(2, change.at("/unmapped/revision").asInt(), change::toString);
    assertEquals("cli", change.at("/unmapped/channel").asText(), change::toString);
  }

  List<JsonNode> ocsf(Map<String, String> env, String name) throws Exception {
    Cli.Result r = Cli.run(env, null, "audit", "export", name, "--format", "ocsf");
    assertEquals(0, r.exit(), r::toString);
    List<JsonNode> out = new ArrayList<>();
    for (String l : r.stdout().lines().toList()) {
      out.add(new ObjectMapper().readTree(l));
    }
    return out;
  }

  static JsonNode find(List<JsonNode> events, java.util.function.Predicate<JsonNode> p) {
    return events.stream().filter(p).findFirst()
        .orElseThrow(() -> new AssertionError("no such event in " + events));
  }

  /** The acceptance: `nemoclaw term` shows the held request at once; one key approves it. */
  @Test
  void theTuiShowsAHeldRequestAndOneKeyApprovesIt() throws Exception {
    Map<String, String> env = env("h5");
    String session = "nc-approvals-" + ProcessHandle.current().pid();
    String sock = work.resolve("tmux.sock").toString();
    String term = "NEMOCLAW_SKIP_BUILD=1 NEMOCLAW_HOME=" + env.get("NEMOCLAW_HOME") + " "
        + Cli.REPO.resolve("nemoclaw") + " term";
    try {
      assertEquals(0, new ProcessBuilder("tmux", "-S", sock, "new-session", "-d", "-s", session,
          "-x", "100", "-y", "30", term).inheritIO().start().waitFor());
      Bg bg = run(env, "run", spec("ask-tui", "echo got: $(" + curl("one.test", "/tui") + ")",
          "30s").toString());
      JsonNode item = pending(env, 1).get(0);
      long t0 = System.nanoTime();
      String screen = "";
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
        screen = capture(sock, session);
        if (screen.contains("one.test")) {
          break;
        }
        Thread.sleep(20);
      }
      long shownMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println("term showed the held request " + shownMs + " ms after the CLI saw it");
      assertTrue(screen.contains("one.test"), screen);
      assertTrue(screen.contains("NEW"), screen);
      new ProcessBuilder("tmux", "-S", sock, "send-keys", "-t", session, "o").start().waitFor();
      assertEquals(0, bg.waitFor(), bg::stderr);
      assertTrue(bg.stdout().contains("got: hello from origin /tui"), bg::stdout);
      assertTrue(item.path("id").isTextual());
    } finally {
      new ProcessBuilder("tmux", "-S", sock, "kill-server").start().waitFor();
    }
  }

  /** The agent asks policy.local for a destination; once approved its request goes through. */
  @Test
  void anEscalationJoinsTheInboxAndItsApprovalOpensTheDestination() throws Exception {
    Map<String, String> env = env("h6");
    String script = "r=$(curl -s -X POST -d '{\"kind\":\"egress\",\"host\":\"two.test\",\"port\":"
        + port() + ",\"reason\":\"fetch the dataset\"}' http://policy.local/v1/escalations);"
        + " echo asked: $r; id=$(echo $r | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/');"
        + " echo answer: $(curl -s \"http://policy.local/v1/escalations/$id?wait=30\");"
        + " echo got: $(" + curl("two.test", "/esc") + ");"
        + " echo forged: $(curl -s -H 'X-Nemoclaw-Token: x' http://policy.local/v1/escalations/$id)";
    Bg bg = run(env, "run", spec("ask-escalate", script, "30s").toString());
    JsonNode item = pending(env, 1).get(0);
    assertEquals("escalation", item.path("kind").asText(), item::toString);
    assertTrue(item.path("detail").asText().contains("fetch the dataset"), item::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "approve", item.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    String out = bg.stdout();
    assertTrue(out.contains("\"status\":\"pending\""), out);
    assertTrue(out.contains("answer: {\"id\"") && out.contains("\"status\":\"approved\""), out);
    assertTrue(out.contains("got: hello from origin /esc"), out);
    assertTrue(out.contains("forged: {\"id\""), out); // the proxy replaced the forged token
  }

  /** {@code run --tui}: the agent's output and its approvals on one screen; `o` approves. */
  @Test
  void runTuiShowsTheAgentsOutputAndItsInbox() throws Exception {
    Map<String, String> env = env("h7");
    String session = "nc-runtui-" + ProcessHandle.current().pid();
    String sock = work.resolve("tmux-run.sock").toString();
    Path done = work.resolve("runtui.exit");
    Path f = spec("ask-runtui", "echo first line; echo got: $(" + curl("three.test", "/tui")
        + ")", "30s");
    String cmd = "env -u CI NEMOCLAW_SKIP_BUILD=1 NEMOCLAW_HOME=" + env.get("NEMOCLAW_HOME")
        + " JAVA_TOOL_OPTIONS=" + env.get("JAVA_TOOL_OPTIONS") + " " + Cli.REPO.resolve("nemoclaw")
        + " run --tui " + f + "; echo $? > " + done + "; sleep 60";
    try {
      assertEquals(0, new ProcessBuilder("tmux", "-S", sock, "new-session", "-d", "-s", session,
          "-x", "100", "-y", "30", cmd).inheritIO().start().waitFor());
      String screen = waitFor(sock, session, "three.test");
      assertTrue(screen.contains("first line"), screen); // the agent's output, in its pane
      new ProcessBuilder("tmux", "-S", sock, "send-keys", "-t", session, "o").start().waitFor();
      waitFor(sock, session, "got: hello from origin /tui");
      waitFor(sock, session, "exited 0");
      new ProcessBuilder("tmux", "-S", sock, "send-keys", "-t", session, "q").start().waitFor();
      for (int i = 0; i < 100 && !Files.exists(done); i++) {
        Thread.sleep(100);
      }
      assertEquals("0", Files.readString(done).strip());
    } finally {
      new ProcessBuilder("tmux", "-S", sock, "kill-server").start().waitFor();
    }
  }

  static String waitFor(String sock, String session, String text) throws Exception {
    String screen = "";
    for (int i = 0; i < 300; i++) {
      screen = capture(sock, session);
      if (screen.contains(text)) {
        return screen;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("never showed " + text + ":\n" + screen);
  }

  /** A resources escalation, once approved, raises the running sandbox's limits at once. */
  @Test
  void anApprovedResourcesEscalationRaisesTheLiveLimit() throws Exception {
    resourcesEscalation("h8");
  }

  @Test
  void onDockerAnApprovedResourcesEscalationUpdatesTheContainer() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    resourcesEscalation("h8d", "--backend", "docker");
  }

  private void resourcesEscalation(String home, String... runOptions) throws Exception {
    Map<String, String> env = env(home);
    String py = "cat > /tmp/f.py <<'PY'\nimport os, time\nn = 0\nfor i in range(40):\n"
        + "    try:\n        if os.fork() == 0:\n            time.sleep(3)\n            os._exit(0)\n"
        + "        n += 1\n    except OSError:\n        pass\nprint(n)\nPY\n";
    String script = py + "echo before: $(python3 /tmp/f.py);"
        + " r=$(curl -s -X POST -d '{\"kind\":\"resources\",\"pids\":200,\"reason\":\"build\"}'"
        + " http://policy.local/v1/escalations);"
        + " id=$(echo $r | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/');"
        + " echo answer: $(curl -s \"http://policy.local/v1/escalations/$id?wait=30\");"
        + " echo after: $(python3 /tmp/f.py)";
    Path f = work.resolve("ask-resources.yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: ask-resources
        command: [sh, -c, %s]
        resources: {pids: 24}
        network: {mode: proxy, unknown: ask, approvalTimeout: 30s}
        """.formatted(new ObjectMapper().writeValueAsString(script)));
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(List.of(runOptions));
    args.add(f.toString());
    Bg bg = run(env, args.toArray(String[]::new));
    JsonNode item = pending(env, 1).get(0);
    assertTrue(item.path("detail").asText().contains("pids=200"), item::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "approve", item.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    String out = bg.stdout();
    int before = Integer.parseInt(out.replaceAll("(?s).*before: (\\d+).*", "$1"));
    int after = Integer.parseInt(out.replaceAll("(?s).*after: (\\d+).*", "$1"));
    assertTrue(before < 40, out); // the old limit held
    assertEquals(40, after, out); // the new one applies to the running sandbox
  }

  static String capture(String sock, String session) throws Exception {
    Process p = new ProcessBuilder("tmux", "-S", sock, "capture-pane", "-p", "-t", session)
        .start();
    String s = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return s;
  }
}
