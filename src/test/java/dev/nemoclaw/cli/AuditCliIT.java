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

/** `nemoclaw audit verify|export` over real logs under NEMOCLAW_HOME, through the launcher. */
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

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
