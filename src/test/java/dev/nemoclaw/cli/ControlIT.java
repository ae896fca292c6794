package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.control.ControlServer;
import dev.nemoclaw.control.FakeTarget;
import dev.nemoclaw.control.Registry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control commands end to end: sandboxes are fake targets served from this JVM on real
 * control sockets, registered in a temp NEMOCLAW_HOME; the CLI is the real launcher.
 */
@org.junit.jupiter.api.Timeout(180)
class ControlIT {
  static final ObjectMapper JSON = new ObjectMapper();
  Path home;
  Map<String, String> env;
  Registry registry;
  final List<AutoCloseable> running = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    home = Files.createTempDirectory("nc-ctl-it");
    env = Map.of("NEMOCLAW_HOME", home.toString(), "NO_COLOR", "1");
    registry = Registry.at(home.resolve("run"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : running.reversed()) {
      c.close();
    }
    new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
  }

  /** A running fake sandbox: served, registered, and on stop gone as a real one would be. */
  FakeTarget sandbox(String name) throws Exception {
    FakeTarget t = new FakeTarget(name);
    ControlServer server = ControlServer.start(registry.socketFor(name), t);
    Registry.Registration reg = registry.register(new Registry.Entry(name,
        ProcessHandle.current().pid(), Instant.now(), "native", server.socket()));
    running.add(server);
    running.add(reg);
    t.onStop = () -> Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      t.emit("lifecycle", FakeTarget.event("exit").put("code", 143));
      reg.close();
      server.close();
    });
    return t;
  }

  /** Waits (at most 60s) for the CLI to subscribe; a CLI that never does fails on its own. */
  static void awaitSubscriber(FakeTarget t) throws InterruptedException {
    for (int i = 0; i < 3000 && t.subscribers() == 0; i++) {
      Thread.sleep(20);
    }
  }

  Cli.Result nc(String... args) throws Exception {
    return Cli.run(env, null, args);
  }

  @Test
  void psListsSandboxesInTextAndJson() throws Exception {
    FakeTarget a = sandbox("alpha");
    sandbox("beta");
    a.hold("a1", "api.example.com", 443, 5);

    Cli.Result r = nc("ps", "-o", "json");
    assertEquals(0, r.exit(), r::toString);
    JsonNode arr = JSON.readTree(r.stdout());
    assertEquals(2, arr.size(), r::toString);
    JsonNode alpha = arr.get(0);
    assertEquals("alpha", alpha.path("name").asText());
    for (String f : List.of("name", "backend", "pid", "startedAt", "uptimeMs", "memoryBytes",
        "cpuSeconds", "pids", "pending")) {
      assertTrue(alpha.hasNonNull(f), () -> f + " missing: " + r);
    }
    assertEquals(1, alpha.path("pending").asInt());
    assertEquals(0, arr.get(1).path("pending").asInt());
    assertEquals(ProcessHandle.current().pid(), alpha.path("pid").asLong());

    Cli.Result t = nc("ps");
    assertEquals(0, t.exit(), t::toString);
    String[] lines = t.stdout().split("\n");
    assertTrue(lines[0].startsWith("NAME"), t::toString);
    assertTrue(lines[1].startsWith("alpha ") && lines[1].contains("48.0Mi")
        && lines[1].contains("1m0") && lines[1].matches(".* 1 +-"), t::toString); // no routes
    assertFalse(t.stdout().contains("\u001b"), "NO_COLOR: " + t);
  }

  @Test
  void nothingRunning() throws Exception {
    Cli.Result r = nc("ps", "-o", "json");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(0, JSON.readTree(r.stdout()).size());
    Cli.Result t = nc("ps");
    assertEquals(0, t.exit());
    assertEquals("", t.stdout());
    assertTrue(t.stderr().contains("no sandbox is running"), t::toString);
    Cli.Result l = nc("approvals", "list", "-o", "json");
    assertEquals(0, JSON.readTree(l.stdout()).size(), l::toString);
  }

  @Test
  void staleEntryIsIgnoredAndSwept() throws Exception {
    sandbox("alive");
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Files.writeString(registry.dir().resolve("ghost.json"), "{\"name\":\"ghost\",\"pid\":" + p.pid()
        + ",\"startedAt\":\"" + Instant.now() + "\",\"backend\":\"native\",\"socket\":\""
        + registry.socketFor("ghost") + "\",\"version\":1}\n");
    Cli.Result r = nc("ps", "-o", "json");
    assertEquals(1, JSON.readTree(r.stdout()).size(), r::toString);
    assertFalse(Files.exists(registry.dir().resolve("ghost.json")), "swept by ps");
  }

  @Test
  void approvalsListAcrossSandboxesNewestFirst() throws Exception {
    sandbox("alpha").hold("old1", "old.example.com", 443, 120);
    FakeTarget b = sandbox("beta");
    b.hold("new1", "new.example.com", 80, 1);
    b.hold("mid1", "mid.example.com", 8443, 30);

    Cli.Result r = nc("approvals", "list", "-o", "json");
    assertEquals(0, r.exit(), r::toString);
    JsonNode arr = JSON.readTree(r.stdout());
    assertEquals(List.of("new1", "mid1", "old1"),
        List.of(arr.get(0).path("id").asText(), arr.get(1).path("id").asText(),
            arr.get(2).path("id").asText()), r::toString);
    JsonNode first = arr.get(0);
    for (String f : List.of("id", "sandbox", "kind", "host", "port", "binary", "method", "path",
        "detail", "hits", "createdAt")) {
      assertTrue(first.has(f), () -> f + " missing: " + r);
    }
    assertEquals("beta", first.path("sandbox").asText());
    assertEquals("alpha", arr.get(2).path("sandbox").asText());

    Cli.Result t = nc("approvals", "list");
    assertEquals(0, t.exit(), t::toString);
    assertTrue(t.stdout().startsWith("ID"), t::toString);
    assertTrue(t.stdout().contains("new1") && t.stdout().contains("new.example.com:80"), t::toString);
  }

  @Test
  void approveThenAlreadyDecided() throws Exception {
    sandbox("alpha").hold("x1", "a.example.com", 443, 3);
    FakeTarget b = sandbox("beta");
    b.hold("y2", "b.example.com", 443, 2);

    Cli.Result r = nc("approvals", "approve", "y2", "--scope", "session", "--ttl", "5m", "--uses", "2");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("approved y2 in beta (session)"), r::toString);
    assertEquals(List.of("y2 session ttl=PT5M uses=2 cli"), b.decisions);

    Cli.Result again = nc("approvals", "deny", "y2");
    assertEquals(1, again.exit(), again::toString);
    assertTrue(again.stderr().contains("already decided: session by root via cli"), again::toString);

    Cli.Result json = nc("approvals", "approve", "x1", "-o", "json");
    assertEquals(0, json.exit(), json::toString);
    assertEquals("alpha", JSON.readTree(json.stdout()).path("sandbox").asText());
  }

  @Test
  void denyAlwaysAndUnknownIds() throws Exception {
    FakeTarget a = sandbox("alpha");
    a.hold("d1", "evil.example.com", 443, 3);
    a.hold("p2", "ok.example.com", 443, 1);
    Cli.Result r = nc("approvals", "deny", "d1", "--always");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(List.of("d1 deny-always ttl=null uses=0 cli"), a.decisions);

    Cli.Result u = nc("approvals", "approve", "nope");
    assertEquals(1, u.exit(), u::toString);
    assertTrue(u.stderr().contains("no pending approval nope"), u::toString);
    assertTrue(u.stderr().contains("pending: p2"), u::toString);

    Cli.Result bad = nc("approvals", "approve", "p2", "--ttl", "soon");
    assertEquals(2, bad.exit(), bad::toString);
    Cli.Result zero = nc("approvals", "approve", "p2", "--uses", "0");
    assertEquals(2, zero.exit(), zero::toString);
    assertTrue(a.pending.containsKey("p2"), "usage errors decide nothing");
  }

  @Test
  void stopWaitsUntilGone() throws Exception {
    FakeTarget a = sandbox("alpha");
    sandbox("beta");
    Cli.Result r = nc("stop", "alpha", "--grace", "2s");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("alpha\n", r.stdout());
    assertTrue(r.stderr().contains("stopped alpha"), r::toString);
    assertEquals(List.of(Duration.ofSeconds(2)), a.stops);
    assertTrue(registry.find("alpha").isEmpty());

    Cli.Result u = nc("stop", "gamma");
    assertEquals(1, u.exit(), u::toString);
    assertTrue(u.stderr().contains("no running sandbox named gamma; running: beta"), u::toString);
  }

  @Test
  void logsAndLogsFollow() throws Exception {
    FakeTarget a = sandbox("alpha");
    a.log.addAll(List.of("hello from the agent", "egress allow api.example.com:443"));
    Cli.Result r = nc("logs", "alpha");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello from the agent\negress allow api.example.com:443\n", r.stdout());

    Thread feeder = Thread.ofVirtual().start(() -> {
      try {
        awaitSubscriber(a);
        a.emit("output", FakeTarget.event("output").put("stream", "stdout").put("text", "live 1"));
        a.emit("output", FakeTarget.event("output").put("stream", "stderr").put("text", "oops"));
        a.emit("egress", FakeTarget.event("egress").put("decision", "deny").put("host", "x.com")
            .put("port", 443).put("exe", "/usr/bin/curl").put("reason", "no rule"));
        a.emit("lifecycle", FakeTarget.event("exit").put("code", 3));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Cli.Result f = nc("logs", "alpha", "-f");
    feeder.join();
    assertEquals(0, f.exit(), f::toString);
    assertEquals("hello from the agent\negress allow api.example.com:443\nlive 1\n"
        + "egress deny x.com:443 from /usr/bin/curl — no rule\n", f.stdout(), f::toString);
    assertTrue(f.stderr().contains("oops"), f::toString);
    assertTrue(f.stderr().contains("alpha exited with code 3"), f::toString);

    Cli.Result u = nc("logs", "zeta");
    assertEquals(1, u.exit(), u::toString);
    assertTrue(u.stderr().contains("running: alpha"), u::toString);
  }

  @Test
  void logsFollowEndsWhenTheSandboxGoes() throws Exception {
    FakeTarget a = sandbox("alpha");
    Thread stopper = Thread.ofVirtual().start(() -> {
      try {
        awaitSubscriber(a);
        for (AutoCloseable c : running.reversed()) {
          c.close();
        }
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Cli.Result f = nc("logs", "-f", "alpha");
    stopper.join();
    assertEquals(0, f.exit(), f::toString);
    assertTrue(f.stderr().contains("alpha has stopped"), f::toString);
  }
}
