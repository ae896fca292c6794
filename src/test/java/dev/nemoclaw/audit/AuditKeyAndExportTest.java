package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static dev.nemoclaw.audit.AuditFixture.lines;
import static dev.nemoclaw.audit.AuditFixture.writeLines;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeyAndExportTest {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theHostKeyIsCreatedPrivateAndReadBack() throws IOException {
    Path config = dir.resolve("config");
    HostKey k = HostKey.loadOrCreate(config);
    Path f = config.resolve(HostKey.FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals(65, Files.size(f));
    assertEquals(k.id(), HostKey.load(config).id());
    assertEquals(k.id(), HostKey.loadOrCreate(config).id());
  }

  @Test
  void aMissingOrWorldReadableKeyIsRefusedWithTheFix() throws IOException {
    Path config = dir.resolve("config");
    IOException e = assertThrows(IOException.class, () -> HostKey.load(config));
    assertTrue(e.getMessage().contains("no audit host key at " + config.resolve(HostKey.FILE)), e.getMessage());
    HostKey.loadOrCreate(config);
    Path f = config.resolve(HostKey.FILE);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    e = assertThrows(IOException.class, () -> HostKey.load(config));
    assertTrue(e.getMessage().contains("chmod 600 " + f), e.getMessage());
  }

  @Test
  void runsCreatingTheKeyAtOnceAgreeOnOne() throws Exception {
    Path config = dir.resolve("config");
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Callable<String>> tasks = java.util.Collections.nCopies(8, () -> HostKey.loadOrCreate(config).id());
      List<Future<String>> ids = pool.invokeAll(tasks);
      String first = ids.get(0).get();
      for (Future<String> id : ids) {
        assertEquals(first, id.get());
      }
    }
    try (var s = Files.list(config)) {
      assertEquals(List.of(config.resolve(HostKey.FILE)), s.toList(), "no temp files left");
    }
  }

  private static String export(AuditLog log, Export.Format f) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertInstanceOf(Verification.Intact.class, Export.write(log, KEY, f, out));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonlIsTheStoredRecordsVerbatim() throws IOException {
    AuditLog log = AuditFixture.write(dir, "agent", 30, AuditWriter.Options.defaults());
    assertEquals(Files.readString(log.files().get(0)), export(log, Export.Format.JSONL));
  }

  @Test
  void ocsfHasOneEventPerLineWithMetadataAndNoCheckpoints() throws IOException {
    AuditLog log = AuditFixture.write(dir, "agent", 16, AuditWriter.Options.defaults());
    List<String> ls = export(log, Export.Format.OCSF).lines().toList();
    assertEquals(16, ls.size());
    JsonNode first = JSON.readTree(ls.get(0));
    assertEquals(4001, first.get("class_uid").asInt());
    assertEquals("1.3.0", first.at("/metadata/version").asText());
    assertEquals("nemoclaw", first.at("/metadata/product/name").asText());
    assertEquals("agent:2", first.at("/metadata/uid").asText());
    assertEquals("agent", first.at("/device/name").asText());
  }

  @Test
  void cefLinesCarryTheDecisionAndEscapeSpecials() throws IOException {
    AuditLog log = AuditFixture.write(dir, "agent", 8, AuditWriter.Options.defaults());
    List<String> ls = export(log, Export.Format.CEF).lines().toList();
    assertEquals(8, ls.size());
    assertTrue(ls.get(0).startsWith("CEF:0|nemoclaw|nemoclaw|"), ls.get(0));
    assertTrue(ls.get(0).contains("|400101|Network Activity: Open|1|"), ls.get(0));
    assertTrue(ls.get(0).contains("dhost=api.github.com dpt=443"), ls.get(0));
    assertTrue(ls.get(1).contains("act=Denied") && ls.get(1).contains("requestMethod=POST"), ls.get(1));
    assertTrue(ls.get(5).contains("suser=alice"), ls.get(5));
    JsonNode odd = JSON.createObjectNode().put("type_uid", 1).put("class_name", "a|b")
        .put("activity_name", "c").put("status_detail", "x=y\\z\nw");
    assertEquals("CEF:0|nemoclaw|nemoclaw|v|1|a\\|b: c|1|externalId=s:1 dvchost=s reason=x\\=y\\\\z\\nw",
        Export.cef(odd, "s", 1, "v"));
  }

  @Test
  void exportStopsAtTheFirstBadRecord() throws IOException {
    AuditLog log = AuditFixture.write(dir, "agent", 30, AuditWriter.Options.defaults());
    Path f = log.files().get(0);
    List<String> ls = lines(f);
    assertTrue(ls.get(9).contains("api.github.com"));
    ls.set(9, ls.get(9).replace("api.github.com", "api.githob.com"));
    writeLines(f, ls);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Verification v = Export.write(log, KEY, Export.Format.JSONL, out);
    Problem p = assertInstanceOf(Verification.Broken.class, v).problem();
    assertEquals(10, p.line());
    assertEquals(9, out.toString(StandardCharsets.UTF_8).lines().count());
  }
}
