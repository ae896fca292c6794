package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static dev.nemoclaw.audit.AuditFixture.event;
import static dev.nemoclaw.audit.AuditFixture.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditWriterTest {
  @TempDir Path state;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void syncMakesEverythingAppendedDurableUnderTheHead() throws IOException {
    AuditLog log = AuditLog.forSandbox(state, "agent");
    try (AuditWriter w = log.openWriter(KEY)) {
      for (int i = 0; i < 10; i++) {
        w.append(event(i));
      }
      w.sync();
      Head h = w.head();
      assertEquals(11, h.seq()); // the open checkpoint + 10
      assertEquals(Files.size(w.currentFile()), h.offset());
      assertEquals(11, lines(w.currentFile()).size());
      assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    }
  }

  @Test
  void recordsAreOcsfShaped() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 8, AuditWriter.Options.defaults());
    List<String> ls = lines(log.files().get(0));
    JsonNode net = JSON.readTree(ls.get(1));
    assertEquals(2, net.get("seq").asLong());
    assertEquals(64, net.get("prev").asText().length());
    assertEquals(64, net.get("hmac").asText().length());
    JsonNode e = net.get("event");
    assertEquals(4001, e.get("class_uid").asInt());
    assertEquals(400101, e.get("type_uid").asLong());
    assertEquals("api.github.com", e.at("/dst_endpoint/hostname").asText());
    JsonNode http = JSON.readTree(ls.get(2)).get("event");
    assertEquals(4002, http.get("class_uid").asInt());
    assertEquals(6, http.get("activity_id").asInt()); // POST
    assertEquals("Denied", http.get("action").asText());
    assertEquals(6003, JSON.readTree(ls.get(3)).at("/event/class_uid").asInt());
    assertEquals(30, JSON.readTree(ls.get(3)).at("/event/unmapped/output_tokens").asInt());
    JsonNode start = JSON.readTree(ls.get(4)).get("event");
    assertEquals(100701, start.get("type_uid").asLong());
    assertEquals("bash -c echo \"hi\" | tr a b", start.at("/process/cmd_line").asText());
    JsonNode exit = JSON.readTree(ls.get(5)).get("event");
    assertEquals(137, exit.get("exit_code").asInt());
    assertTrue(exit.at("/unmapped/oom").asBoolean());
    assertEquals(3003, JSON.readTree(ls.get(6)).at("/event/class_uid").asInt());
    assertEquals("alice", JSON.readTree(ls.get(6)).at("/event/actor/user/name").asText());
    assertEquals(5019, JSON.readTree(ls.get(7)).at("/event/class_uid").asInt());
    assertEquals(2004, JSON.readTree(ls.get(8)).at("/event/class_uid").asInt());
    assertEquals(0, JSON.readTree(ls.get(9)).at("/event/class_uid").asInt());
    assertEquals("close", JSON.readTree(ls.get(9)).at("/event/why").asText());
  }

  @Test
  void aSecondRunContinuesTheSameChain() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 20, AuditWriter.Options.defaults());
    try (AuditWriter w = log.openWriter(KEY)) {
      w.append(event(99));
    }
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(22 + 3, ok.records());
    assertEquals(1, log.files().size());
  }

  @Test
  void aTornLastBatchIsCutBackAndTheChainGoesOn() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 20, AuditWriter.Options.defaults());
    Path f = log.files().get(0);
    // a crash mid-write: a whole record after the head that a lost page then damaged, and a torn one
    String whole = lines(f).get(5).replace("\"seq\":6,", "\"seq\":23,");
    Files.writeString(f, whole + "\n{\"seq\":24,\"prev\":\"ab", StandardCharsets.US_ASCII,
        StandardOpenOption.APPEND);
    try (AuditWriter w = log.openWriter(KEY)) {
      w.append(event(1));
    }
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(List.of(), ok.notes());
    List<String> ls = lines(f);
    assertTrue(ls.get(22).contains("open after a crash; dropped"), ls.get(22));
  }

  @Test
  void recordsAfterTheHeadThatVerifyAreKept() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 20, AuditWriter.Options.defaults());
    Path h = log.dir().resolve(Head.FILE);
    byte[] older;
    try (AuditWriter w = log.openWriter(KEY)) {
      older = Files.readAllBytes(h); // the head after the open checkpoint
      w.append(event(5));
      w.sync();
    }
    Files.write(h, older); // as if the process died after the log's fsync, before the head's
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertTrue(ok.notes().get(0).contains("after the head"), ok.notes().toString());
    try (AuditWriter w = log.openWriter(KEY)) {
      w.sync();
    }
    Verification.Intact again = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(ok.records() + 2, again.records()); // kept, plus open and close
  }

  @Test
  void theWriterRefusesATamperedLog() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 20, AuditWriter.Options.defaults());
    Path h = log.dir().resolve(Head.FILE);
    Files.writeString(h, Files.readString(h).replace("\"seq\":22", "\"seq\":2"));
    IOException e = assertThrows(IOException.class, () -> log.openWriter(KEY));
    assertTrue(e.getMessage().contains("nemoclaw audit verify agent"), e.getMessage());
    Files.delete(h);
    e = assertThrows(IOException.class, () -> log.openWriter(KEY));
    assertTrue(e.getMessage().contains("no head.json"), e.getMessage());
  }

  @Test
  void oneWriterPerLog() throws IOException {
    AuditLog log = AuditLog.forSandbox(state, "agent");
    try (AuditWriter w = log.openWriter(KEY)) {
      IOException e = assertThrows(IOException.class, () -> log.openWriter(KEY));
      assertTrue(e.getMessage().contains("another process is writing"), e.getMessage());
    }
    log.openWriter(KEY).close(); // released on close
  }

  @Test
  void manyThreadsAppendingMakeOneValidChainWithEveryEvent() throws Exception {
    AuditLog log = AuditLog.forSandbox(state, "agent");
    int threads = 4;
    int each = 5_000;
    try (AuditWriter w = log.openWriter(KEY, AuditWriter.Options.defaults().withMaxFileBytes(256 * 1024));
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      CyclicBarrier go = new CyclicBarrier(threads);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * each;
        fs.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < each; i++) {
            w.append(new AuditEvent.Network(java.time.Instant.EPOCH, AuditEvent.Decision.ALLOWED,
                "h" + (base + i), 443, "/bin/x", "r"));
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    Set<String> hosts = new HashSet<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Verification v = Export.write(log, KEY, Export.Format.OCSF, out);
    assertInstanceOf(Verification.Intact.class, v);
    for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
      hosts.add(JSON.readTree(l).at("/dst_endpoint/hostname").asText());
    }
    assertEquals(threads * each, hosts.size());
    assertTrue(log.files().size() > 1);
  }

  @Test
  void appendAfterCloseIsRefused() throws IOException {
    AuditWriter w = AuditLog.forSandbox(state, "agent").openWriter(KEY);
    w.close();
    assertThrows(IllegalStateException.class, () -> w.append(event(0)));
  }

  @Test
  void logDirectoryAndHeadArePrivate() throws IOException {
    AuditLog log = AuditFixture.write(state, "agent", 1, AuditWriter.Options.defaults());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log.dir())));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(log.dir().resolve(Head.FILE))));
  }
}
