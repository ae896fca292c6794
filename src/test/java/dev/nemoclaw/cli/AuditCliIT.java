package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.AuditWriter;
import dev.nemoclaw.audit.HostKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `nemoclaw audit verify|export` and `nemoclaw logs` over real logs under NEMOCLAW_HOME, through
 * the launcher; syslog receivers are real sockets on 127.0.0.1 in this JVM.
 */
class AuditCliIT {
  @TempDir Path home;
  Path file;

  @BeforeEach
  void seed() throws Exception {
    HostKey key = HostKey.loadOrCreate(home.resolve("config"));
    AuditLog log = AuditLog.forSandbox(home.resolve("state"), "hello");
    try (AuditWriter w = log.openWriter(key)) {
      for (int i = 0; i < 100; i++) {
        w.append(new AuditEvent.Network(Instant.now(), AuditEvent.Decision.DENIED,
            "h" + i + ".example.com", 443, "/usr/bin/curl", "no rule matches"));
      }
    }
    file = log.files().getFirst();
  }

  Cli.Result run(String... args) throws Exception {
    return Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, args);
  }

  @Test
  void anIntactLogVerifiesAndAFlippedByteIsNamed() throws Exception {
    Cli.Result ok = run("audit", "verify");
    assertEquals(0, ok.exit(), ok::toString);
    assertTrue(ok.stdout().startsWith("OK        hello: 102 records in 1 file, head "), ok::toString);
    byte[] b = Files.readAllBytes(file);
    int line40 = 0;
    for (int n = 0; n < 39; n++) {
      line40 = indexOf(b, (byte) '\n', line40) + 1;
    }
    b[line40 + 200] ^= 0x20;
    Files.write(file, b);
    Cli.Result bad = run("audit", "verify", "hello");
    assertEquals(1, bad.exit(), bad::toString);
    assertTrue(bad.stdout().contains("TAMPERED  hello: " + file + ":40: record seq 40 does not match its HMAC"), bad::toString);
    Cli.Result json = run("audit", "verify", "hello", "-o", "json");
    assertEquals(1, json.exit(), json::toString);
    JsonNode p = new ObjectMapper().readTree(json.stdout()).get(0).get("problem");
    assertEquals("modified", p.get("kind").asText());
    assertEquals(40, p.get("line").asInt());
    assertEquals(file.toString(), p.get("file").asText());
  }

  @Test
  void exportStreamsEachFormat() throws Exception {
    Cli.Result jsonl = run("audit", "export", "hello", "--format", "jsonl");
    assertEquals(0, jsonl.exit(), jsonl::toString);
    assertEquals(Files.readString(file), jsonl.stdout());
    Cli.Result ocsf = run("audit", "export", "hello", "--format", "ocsf");
    assertEquals(100, ocsf.stdout().lines().count(), ocsf::toString);
    assertEquals(4001, new ObjectMapper().readTree(ocsf.stdout().lines().findFirst().orElseThrow())
        .get("class_uid").asInt());
    Cli.Result cef = run("audit", "export", "hello", "--format", "cef");
    assertTrue(cef.stdout().lines().allMatch(l -> l.startsWith("CEF:0|nemoclaw|nemoclaw|")), cef::toString);
    Cli.Result missing = run("audit", "export", "nope", "--format", "cef");
    assertEquals(1, missing.exit(), missing::toString);
    assertTrue(missing.stderr().contains("no audit log for nope"), missing::toString);
  }

  /**
   * Issue 8's acceptance: a real run of examples/curl-allowlist lands in its audit log (start,
   * the allowed and the denied request, the end), the report names the log and its head, verify
   * says OK; one flipped byte and verify fails naming the record.
   */
  @Test
  void aRealRunIsAuditedAndAFlippedByteIsCaught() throws Exception {
    Path report = home.resolve("report.json");
    Cli.Result run = run("run", "--ci", "--report", report.toString(),
        Cli.REPO.resolve("examples/curl-allowlist/agent.yaml").toString());
    assertEquals(0, run.exit(), run::toString);
    JsonNode audit = new ObjectMapper().readTree(report.toFile()).get("audit");
    Path log = Path.of(audit.get("file").asText());
    assertEquals(home.resolve("state/audit/curl-allowlist/audit-000001.jsonl"), log);
    Cli.Result ok = run("audit", "verify", "curl-allowlist", "-o", "json");
    assertEquals(0, ok.exit(), ok::toString);
    assertEquals(audit.get("headHash").asText(),
        new ObjectMapper().readTree(ok.stdout()).get(0).get("headHash").asText());
    Cli.Result ocsf = run("audit", "export", "curl-allowlist", "--format", "ocsf");
    List<JsonNode> events = new java.util.ArrayList<>();
    for (String l : ocsf.stdout().lines().toList()) {
      events.add(new ObjectMapper().readTree(l));
    }
    assertEquals(List.of(100701L, 400203L, 400203L, 100702L),
        events.stream().map(e -> e.get("type_uid").asLong()).toList(), ocsf::toString);
    assertEquals("Allowed", events.get(1).get("action").asText());
    assertEquals("example.com", events.get(1).at("/http_request/url/hostname").asText());
    assertEquals("Denied", events.get(2).get("action").asText());
    assertEquals("pastebin.com", events.get(2).at("/http_request/url/hostname").asText());
    byte[] b = Files.readAllBytes(log);
    int line3 = indexOf(b, (byte) '\n', indexOf(b, (byte) '\n', 0) + 1) + 1;
    b[line3 + 150] ^= 0x01;
    Files.write(log, b);
    Cli.Result bad = run("audit", "verify", "curl-allowlist");
    assertEquals(1, bad.exit(), bad::toString);
    assertTrue(bad.stdout().contains(log + ":3: record seq 3 does not match its HMAC"), bad::toString);
  }

  /** Octet-counted RFC 5424 frames from one TCP connection, until the sender closes. */
  private static java.util.concurrent.CompletableFuture<List<String>> tcpReceiver(
      java.net.ServerSocket server) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (java.net.Socket s = server.accept()) {
        return dev.nemoclaw.audit.SyslogForwardingTest.octetCounted(s.getInputStream());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static final java.util.regex.Pattern SD =
      java.util.regex.Pattern.compile("\\[nemoclaw@32473 sandbox=\"([^\"]*)\" seq=\"(\\d+)\"\\] ");

  /** (sandbox, seq) of each message, in arrival order. */
  private static List<String> sandboxAndSeq(List<String> messages) {
    return messages.stream().map(m -> {
      java.util.regex.Matcher x = SD.matcher(m);
      assertTrue(m.startsWith("<13") && m.contains(" nemoclaw - 4001 ") && x.find(), m);
      return x.group(1) + ":" + x.group(2);
    }).toList();
  }

  private static List<String> expectedSeqs(String sandbox, int from, int to) {
    return java.util.stream.IntStream.rangeClosed(from, to).mapToObj(i -> sandbox + ":" + i)
        .toList();
  }

  @Test
  void exportForwardsToSyslogOverTcpAndUdp() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      var got = tcpReceiver(server);
      String url = "tcp://127.0.0.1:" + server.getLocalPort();
      Cli.Result r = run("audit", "export", "hello", "--syslog", url);
      assertEquals(0, r.exit(), r::toString);
      assertEquals("", r.stdout());
      assertTrue(r.stderr().contains("100 events sent to " + url), r::toString);
      assertEquals(expectedSeqs("hello", 2, 101),
          sandboxAndSeq(got.get(30, java.util.concurrent.TimeUnit.SECONDS)));
    }
    try (java.net.DatagramSocket udp = new java.net.DatagramSocket(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
      udp.setReceiveBufferSize(1 << 20);
      udp.setSoTimeout(10_000);
      String url = "udp://127.0.0.1:" + udp.getLocalPort();
      Cli.Result r = run("audit", "export", "hello", "--syslog", url, "--format", "cef",
          "--facility", "local4");
      assertEquals(0, r.exit(), r::toString);
      List<String> got = new java.util.ArrayList<>();
      byte[] buf = new byte[65_536];
      for (int i = 0; i < 100; i++) {
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        udp.receive(p);
        got.add(new String(p.getData(), 0, p.getLength(), java.nio.charset.StandardCharsets.UTF_8));
      }
      // local4 (20) * 8 + notice (OCSF Low, a denial) = 165
      assertTrue(got.stream().allMatch(m -> m.startsWith("<165>1 ") && m.contains("] CEF:0|")),
          got::toString);
    }
  }

  @Test
  void syslogUsageErrorsUnreachableReceiversAndTamperingAreTold() throws Exception {
    Cli.Result bad = run("audit", "export", "hello", "--syslog", "http://siem.example");
    assertEquals(2, bad.exit(), bad::toString);
    assertTrue(bad.stderr().contains("--syslog"), bad::toString);
    Cli.Result noFormat = run("audit", "export", "hello");
    assertEquals(2, noFormat.exit(), noFormat::toString);
    assertTrue(noFormat.stderr().contains("--format"), noFormat::toString);
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Cli.Result unreachable = run("audit", "export", "hello", "--syslog", "tcp://127.0.0.1:" + port);
    assertEquals(1, unreachable.exit(), unreachable::toString);
    assertTrue(unreachable.stderr().contains("cannot connect to tcp://127.0.0.1:" + port),
        unreachable::toString);

    byte[] b = Files.readAllBytes(file);
    int line40 = 0;
    for (int n = 0; n < 39; n++) {
      line40 = indexOf(b, (byte) '\n', line40) + 1;
    }
    b[line40 + 200] ^= 0x20;
    Files.write(file, b);
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      var got = tcpReceiver(server);
      Cli.Result r = run("audit", "export", "hello", "--syslog",
          "tcp://127.0.0.1:" + server.getLocalPort());
      assertEquals(1, r.exit(), r::toString);
      assertTrue(r.stderr().contains(file + ":40: record seq 40 does not match its HMAC"),
          r::toString);
      assertEquals(expectedSeqs("hello", 2, 39),
          sandboxAndSeq(got.get(30, java.util.concurrent.TimeUnit.SECONDS)));
    }
  }

  @Test
  void logsOfASandboxThatIsNotRunningComeFromItsAuditLog() throws Exception {
    Cli.Result r = run("logs", "hello");
    assertEquals(0, r.exit(), r::toString);
    List<String> lines = r.stdout().lines().toList();
    assertEquals(100, lines.size(), r::toString);
    assertTrue(lines.getFirst().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z  egress"
        + " denied h0\\.example\\.com:443 from /usr/bin/curl — no rule matches"), lines::getFirst);
    Cli.Result tail = run("logs", "hello", "-n", "2", "-o", "json");
    assertEquals(0, tail.exit(), tail::toString);
    List<String> json = tail.stdout().lines().toList();
    assertEquals(2, json.size(), tail::toString);
    JsonNode last = new ObjectMapper().readTree(json.get(1));
    assertEquals(101, last.at("/metadata/sequence").asLong());
    assertEquals("h99.example.com", last.at("/dst_endpoint/hostname").asText());
    Cli.Result verbose = run("logs", "hello", "-v", "-n", "1");
    assertTrue(verbose.stdout().contains("checkpoint close (101 records"), verbose::toString);
    Cli.Result future = run("logs", "hello", "--since", "2999-01-01T00:00:00Z");
    assertEquals(0, future.exit(), future::toString);
    assertEquals("", future.stdout());
    Cli.Result none = run("logs", "nope");
    assertEquals(1, none.exit(), none::toString);
    assertTrue(none.stderr().contains("no running sandbox named nope and no audit log for it"),
        none::toString);

    byte[] b = Files.readAllBytes(file);
    int line40 = 0;
    for (int n = 0; n < 39; n++) {
      line40 = indexOf(b, (byte) '\n', line40) + 1;
    }
    b[line40 + 200] ^= 0x20;
    Files.write(file, b);
    Cli.Result bad = run("logs", "hello");
    assertEquals(1, bad.exit(), bad::toString);
    assertEquals(38, bad.stdout().lines().count(), bad::toString);
    assertTrue(bad.stderr().contains("fails verification after 39 good records")
        && bad.stderr().contains(file + ":40: record seq 40 does not match its HMAC"), bad::toString);
  }

  /**
   * Issue 8: `nemoclaw logs NAME` reads the audit log. After a real run: its start, the denied
   * request and its exit; then, following the stopped sandbox's log, a second run's events show
   * up live in the follower's output.
   */
  @Test
  void logsShowARealRunAndFollowTheNext() throws Exception {
    String yaml = Cli.REPO.resolve("examples/curl-allowlist/agent.yaml").toString();
    Cli.Result first = run("run", "--ci", yaml);
    assertEquals(0, first.exit(), first::toString);
    Cli.Result logs = run("logs", "curl-allowlist");
    assertEquals(0, logs.exit(), logs::toString);
    List<String> lines = logs.stdout().lines().map(l -> l.substring(l.indexOf("  ") + 2)).toList();
    assertEquals(4, lines.size(), logs::toString);
    assertTrue(lines.get(0).startsWith("start pid ") && lines.get(0).contains("sh -c"), logs::toString);
    assertTrue(lines.get(1).startsWith("egress allowed GET example.com:80/"), logs::toString);
    assertTrue(lines.get(2).startsWith("egress denied GET pastebin.com:80/raw/secret from /usr/bin/curl — "),
        logs::toString);
    assertTrue(lines.get(3).startsWith("exit 0 ("), logs::toString);
    Cli.Result json = run("logs", "curl-allowlist", "-o", "json");
    for (String l : json.stdout().lines().toList()) {
      JsonNode e = new ObjectMapper().readTree(l);
      assertTrue(e.at("/metadata/sequence").asLong() > 0, l);
      assertEquals("curl-allowlist", e.at("/device/name").asText(), l);
    }
    assertEquals(4, json.stdout().lines().count(), json::toString);

    Path out = home.resolve("follow.out");
    ProcessBuilder pb = new ProcessBuilder(Cli.REPO.resolve("nemoclaw").toString(), "logs",
        "curl-allowlist", "-f").directory(Cli.REPO.toFile())
        .redirectOutput(out.toFile()).redirectError(home.resolve("follow.err").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    pb.environment().put("NEMOCLAW_HOME", home.toString());
    pb.environment().remove("CI");
    Process follower = pb.start();
    try {
      awaitLines(out, 4, follower);
      Cli.Result second = run("run", "--ci", yaml);
      assertEquals(0, second.exit(), second::toString);
      List<String> followed = awaitLines(out, 8, follower);
      assertTrue(followed.get(4).contains("  start pid "), followed::toString);
      assertTrue(followed.get(6).contains("  egress denied GET pastebin.com:80/raw/secret"),
          followed::toString);
      assertTrue(followed.get(7).contains("  exit 0 ("), followed::toString);
      assertTrue(follower.isAlive(), "following goes on after the run");
    } finally {
      follower.destroy(); // by pid: SIGTERM, as Ctrl-C would end it
      if (!follower.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        follower.destroyForcibly();
      }
    }
  }

  /** Waits until {@code file} holds at least {@code n} lines; fails if {@code p} ends first. */
  private static List<String> awaitLines(Path file, int n, Process p) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      List<String> lines = Files.readAllLines(file);
      if (lines.size() >= n) {
        return lines;
      }
      assertTrue(p.isAlive(), () -> "the follower ended: " + lines);
      assertTrue(System.nanoTime() < deadline, () -> "waited 60s for " + n + " lines: " + lines);
      Thread.sleep(100);
    }
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
