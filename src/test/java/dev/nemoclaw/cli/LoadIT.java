package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load (issue 13, docs/reliability.md): a thousand connections at once in one sandbox, relayed,
 * inspected (TLS both ways) and held; an approval decided while they are open; twenty sandboxes at once on the machine's
 * cores. Each case asserts nothing is lost (every connection answered, every byte echoed, every
 * run's output whole, no cgroup or registry entry left) and reports the supervisor's peak RSS
 * and the times to {@code target/load.txt}; bounds are generous (this is not a benchmark:
 * bench/load.sh is), but an unbounded supervisor fails them. The origins listen on 203.0.113.7
 * (TEST-NET-3 on the host's loopback device, as in {@link ProxyIT}); needs root.
 */
class LoadIT {
  static final int CONNECTIONS = Integer.getInteger("nemoclaw.load.connections", 1000);
  /** Inspected sessions cost TLS handshakes on both sides: fewer in CI, bench/load.sh runs 1000. */
  static final int INSPECTED = Integer.getInteger("nemoclaw.load.inspected", 250);
  /** Distinct destinations held at once, each its own inbox item. */
  static final int DISTINCT = Integer.getInteger("nemoclaw.load.distinct", 200);
  static final int SANDBOXES = Integer.getInteger("nemoclaw.load.sandboxes", 20);
  /** What a supervisor may hold at its peak (its JVM: 256 MiB heap + 256 MiB direct, packaging/jvm.sh). */
  static final long RSS_BOUND = 512L << 20;

  @TempDir static Path work;
  static HttpServer http;
  static HttpsServer https;
  static ServerSocket echo;
  static ExecutorService echoThreads;
  static Path hosts;
  static boolean added;

  @BeforeAll
  static void start() throws Exception {
    added = TestNet.add();
    http = TestNet.http(2048, TestNet::hello);
    https = TestNet.https(0, TestNet.selfSigned(work, "secure.test"), TestNet::hello);
    echo = new ServerSocket(0, 2048, InetAddress.getByName(TestNet.IP));
    echoThreads = Executors.newVirtualThreadPerTaskExecutor();
    echoThreads.submit(LoadIT::echoAll);
    hosts = work.resolve("hosts");
    StringBuilder names = new StringBuilder(" echo.test held.test many.test hello.test secure.test");
    for (int i = 0; i < DISTINCT; i++) {
      names.append(" d").append(i).append(".test");
    }
    Files.writeString(hosts, TestNet.IP + names + "\n");
    Files.createDirectories(work.resolve("load"));
    Files.copy(Cli.REPO.resolve("tests/load/conns.py"), work.resolve("load/conns.py"));
    TestNet.readableBySandbox(work);
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.stop(0);
      https.stop(0);
      echo.close();
      echoThreads.shutdownNow();
    }
    TestNet.remove(added);
  }

  /** Echoes every line back, each connection on a virtual thread of its own. */
  static Void echoAll() throws IOException {
    while (!echo.isClosed()) {
      Socket s = echo.accept();
      echoThreads.submit(() -> {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          in.transferTo(out);
        }
        return null;
      });
    }
    return null;
  }

  /** Reports a case with the supervisor's peak RSS, which must stay under {@link #RSS_BOUND}. */
  static void report(String what, long peakRss) throws IOException {
    String line = what + "; supervisor peak RSS " + (peakRss >> 20) + " MiB";
    Path f = Cli.REPO.resolve("target/load.txt");
    Files.writeString(f, line + "\n", Files.exists(f)
        ? new java.nio.file.OpenOption[] {java.nio.file.StandardOpenOption.APPEND}
        : new java.nio.file.OpenOption[0]);
    System.out.println("LoadIT: " + line);
    assertTrue(peakRss < RSS_BOUND, line);
  }

  Path spec(String name, String unknown, String script) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: %s
        command: [sh, -c, %s]
        mounts: [{source: ./load, target: /load}]
        network:
          mode: proxy
          unknown: %s
          approvalTimeout: 2m
          allow:
            - {host: echo.test, ports: [%d]}
            - {host: hello.test, ports: [%d]}
            - {host: secure.test, ports: [%d], inspect: true}
        """.formatted(name, new ObjectMapper().writeValueAsString(script), unknown,
        echo.getLocalPort(), http.getAddress().getPort(), https.getAddress().getPort()));
    return f;
  }

  /** The supervisor resolves the test names to 203.0.113.7 and trusts secure.test's certificate. */
  Map<String, String> env(String home) {
    return Map.of("NEMOCLAW_HOME", work.resolve(home).toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts,
        "SSL_CERT_FILE", work.resolve("secure.test.pem").toString());
  }

  String url(String host, String path) {
    return "http://" + host + ":" + http.getAddress().getPort() + path;
  }

  /** The value of the line "NAME: value" in a sandbox's output. */
  static String line(String out, String name) {
    return out.lines().filter(l -> l.startsWith(name + ": ")).findFirst()
        .map(l -> l.substring(name.length() + 2))
        .orElseThrow(() -> new AssertionError("no line " + name + ":\n" + out));
  }

  /** The one pending approval, once it has {@code hits} requests (fails after 60 s). */
  JsonNode pendingWith(Map<String, String> env, int hits) throws Exception {
    return Cli.pendingApprovals(env,
        items -> items.size() == 1 && items.get(0).path("hits").asInt() >= hits, 60).get(0);
  }


  /** A thousand CONNECT tunnels open at once, each echoing; one approval decided meanwhile. */
  @Test
  void aThousandTunnelsStayOpenAndIntactWhileAnApprovalIsDecided() throws Exception {
    tunnels("tunnels", "load-tunnels");
  }

  /** The same through the container's bridge (backend docker). */
  @Test
  void onDockerAThousandTunnelsStayOpenAndIntactToo() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    tunnels("tunnels-docker", "load-tunnels-docker", "--backend", "docker");
  }

  private void tunnels(String home, String name, String... runOptions) throws Exception {
    Map<String, String> env = env(home);
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(List.of(runOptions));
    args.add(spec(name, "ask", "python3 /load/conns.py tunnels " + CONNECTIONS + " echo.test:"
        + echo.getLocalPort() + " " + url("held.test", "/held")).toString());
    try (Bg bg = Bg.start(env, work, args.toArray(String[]::new));
        Rss rss = Rss.of(bg.p().pid())) {
      bg.awaitStdout("echoed: ", 120);
      JsonNode held = pendingWith(env, 1);
      long t0 = System.nanoTime();
      Cli.Result ok = Cli.run(env, null, "approvals", "approve", held.path("id").asText());
      long decideMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(0, ok.exit(), ok::toString);
      assertEquals(0, bg.waitFor(300), bg::stderr);
      String out = bg.stdout();
      assertEquals(CONNECTIONS + "", line(out, "open"), out);
      assertEquals(CONNECTIONS + "", line(out, "echoed"), out);
      assertEquals("200", line(out, "held"), out);
      assertEquals(CONNECTIONS + "", line(out, "echoed2"), out);
      report(CONNECTIONS + " tunnels" + (runOptions.length > 0 ? " (" + String.join(" ",
          runOptions) + ")" : "") + ": approval decided in " + decideMs + " ms (the CLI's round "
          + "trip) with all open", rss.peak());
    }
  }

  /** Many TLS sessions open at once through inspection: the heaviest path, in memory. */
  @Test
  void inspectedTlsSessionsStayOpenAtOnceAndEachIsServed() throws Exception {
    Map<String, String> env = env("inspected");
    try (Bg bg = Bg.start(env, work, "run", spec("load-tls", "deny", "python3 /load/conns.py inspected "
        + INSPECTED + " secure.test:" + https.getAddress().getPort()).toString());
        Rss rss = Rss.of(bg.p().pid())) {
      long t0 = System.nanoTime();
      assertEquals(0, bg.waitFor(300), bg::stderr);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String out = bg.stdout();
      assertEquals(INSPECTED + "", line(out, "tls"), out);
      assertEquals(INSPECTED + "", line(out, "ok200"), out);
      report(INSPECTED + " inspected TLS sessions open at once, each served: handshakes "
          + line(out, "tls-ms") + " ms, one request on each in turn " + line(out, "requests-ms")
          + " ms, " + ms + " ms in all (start included)", rss.peak());
    }
  }

  /** A thousand requests held for one approval at once; one decision answers them all. */
  @Test
  void aThousandHeldRequestsAreAllAnsweredByOneDecision() throws Exception {
    Map<String, String> env = env("held");
    try (Bg bg = Bg.start(env, work, "run", spec("load-held", "ask", "python3 /load/conns.py requests "
        + CONNECTIONS + " " + url("many.test", "/m")).toString());
        Rss rss = Rss.of(bg.p().pid())) {
      bg.awaitStdout("sent: ", 120);
      JsonNode held = pendingWith(env, CONNECTIONS);
      assertEquals(CONNECTIONS, held.path("hits").asInt(), held::toString);
      long t0 = System.nanoTime();
      Cli.Result ok = Cli.run(env, null, "approvals", "approve", held.path("id").asText());
      assertEquals(0, ok.exit(), ok::toString);
      bg.awaitStdout("ok200: ", 120);
      long releaseMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(0, bg.waitFor(300), bg::stderr);
      String out = bg.stdout();
      assertEquals(CONNECTIONS + "", line(out, "answered"), out);
      assertEquals(CONNECTIONS + "", line(out, "ok200"), out);
      report(CONNECTIONS + " held requests: one approval answered all in " + releaseMs
          + " ms (CLI included)", rss.peak());
    }
  }

  /** Many distinct destinations held at once: as many inbox items, all approved by one command. */
  @Test
  void manyDistinctHeldRequestsAreAllListedAndApprovedByOneCommand() throws Exception {
    Map<String, String> env = env("distinct");
    try (Bg bg = Bg.start(env, work, "run", spec("load-distinct", "ask", "python3 /load/conns.py"
        + " requests " + DISTINCT + " " + url("d{i}.test", "/d")).toString());
        Rss rss = Rss.of(bg.p().pid())) {
      bg.awaitStdout("sent: ", 120);
      JsonNode items = Cli.pendingApprovals(env, l -> l.size() >= DISTINCT, 60);
      assertEquals(DISTINCT, items.size(), "pending items");
      String first = items.get(0).path("id").asText();
      assertEquals(0, Cli.run(env, null, "approvals", "approve", first).exit());
      // all of them at once, the decided one again and an unknown one too: each of those two is
      // said and makes the exit 1; every other id is decided
      List<String> args = new ArrayList<>(List.of("approvals", "approve", "-o", "json"));
      items.forEach(i -> args.add(i.path("id").asText()));
      args.add("no-such-id");
      long t0 = System.nanoTime();
      Cli.Result all = Cli.run(env, null, args.toArray(String[]::new));
      long approveMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(1, all.exit(), all::toString);
      assertEquals(DISTINCT - 1, new ObjectMapper().readTree(all.stdout()).size(), all::toString);
      assertTrue(all.stderr().contains(first + " was already decided")
          && all.stderr().contains("no pending approval no-such-id"), all::toString);
      assertEquals(0, bg.waitFor(300), bg::stderr);
      String out = bg.stdout();
      assertEquals(DISTINCT + "", line(out, "answered"), out);
      assertEquals(DISTINCT + "", line(out, "ok200"), out);
      report(DISTINCT + " distinct held requests: all listed, approved by one `approvals approve`"
          + " of " + DISTINCT + " ids in " + approveMs + " ms", rss.peak());
    }
  }

  /** Twenty sandboxes at once, each through its own proxy; all complete, nothing is left. */
  @Test
  void twentySandboxesAtOnceAllCompleteAndLeaveNothing() throws Exception {
    Map<String, String> env = env("many");
    List<Bg> runs = new ArrayList<>();
    List<Rss> rss = new ArrayList<>();
    long t0 = System.nanoTime();
    long peak = 0;
    try {
      for (int i = 0; i < SANDBOXES; i++) {
        Bg bg = Bg.start(env, work, "run", spec("load-many-" + i, "deny",
            "sleep 1; echo \"got: $(curl -s --max-time 60 " + url("hello.test", "/s" + i)
                + ")\"; echo \"unknown: $(curl -s -o /dev/null -w '%{http_code}' "
                + url("held.test", "/no") + ")\"").toString());
        runs.add(bg);
        rss.add(Rss.of(bg.p().pid()));
      }
      for (int i = 0; i < SANDBOXES; i++) {
        Bg bg = runs.get(i);
        assertEquals(0, bg.waitFor(300), bg::stderr);
        assertEquals("hello from origin /s" + i, line(bg.stdout(), "got"), bg.stdout());
        assertEquals("403", line(bg.stdout(), "unknown"), bg.stdout());
        rss.get(i).close();
        peak = Math.max(peak, rss.get(i).peak());
        assertEquals(List.of(), LifecycleIT.cgroupsOf(bg.p().pid()), "a cgroup was left");
      }
    } finally {
      runs.forEach(Bg::close);
      for (Rss r : rss) {
        r.close();
      }
    }
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    Cli.Result ps = Cli.run(env, null, "ps", "-o", "json");
    assertEquals(0, ps.exit(), ps::toString);
    assertEquals(0, new ObjectMapper().readTree(ps.stdout()).size(), ps::stdout);
    report(SANDBOXES + " sandboxes at once on " + Runtime.getRuntime().availableProcessors()
        + " cores: all done in " + wallMs + " ms (RSS: the largest of the " + SANDBOXES + ")",
        peak);
  }

  /** The peak resident set of a process, sampled every 100 ms until closed. */
  static final class Rss implements AutoCloseable {
    private final Path status;
    private final Thread sampler;
    private volatile long peak;
    private volatile boolean open = true;

    private Rss(long pid) {
      status = Path.of("/proc", Long.toString(pid), "status");
      sampler = Thread.ofVirtual().start(() -> {
        while (open) {
          sample();
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }

    static Rss of(long pid) {
      return new Rss(pid);
    }

    /** VmHWM, the kernel's own high-water mark, read while the process lives. */
    private void sample() {
      try {
        for (String l : Files.readAllLines(status)) {
          if (l.startsWith("VmHWM:")) {
            peak = Math.max(peak, Long.parseLong(l.replaceAll("\\D", "")) << 10);
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process has ended: the last sample stands
      }
    }

    long peak() {
      return peak;
    }

    @Override
    public void close() throws InterruptedException {
      open = false;
      sampler.join();
    }
  }
}
