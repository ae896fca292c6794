package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static dev.nemoclaw.audit.AuditFixture.lines;
import static dev.nemoclaw.audit.AuditFixture.write;
import static dev.nemoclaw.audit.AuditFixture.writeLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.audit.Problem.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of tampering is detected, and the first bad record is named by file and line. */
class AuditVerifyTest {
  @TempDir Path state;

  private static final AuditWriter.Options ONE_FILE = AuditWriter.Options.defaults();
  /** Small files so 300 events span several; a checkpoint every 25 records. */
  private static final AuditWriter.Options ROTATING =
      AuditWriter.Options.defaults().withMaxFileBytes(16 * 1024).withCheckpointEvery(25);

  private AuditLog log50() throws IOException {
    return write(state, "agent", 50, ONE_FILE);
  }

  private static Problem broken(AuditLog log) throws IOException {
    Verification v = log.verify(KEY);
    return assertInstanceOf(Verification.Broken.class, v, () -> "expected tampering, got " + v).problem();
  }

  @Test
  void anUntouchedLogVerifiesAndItsHeadHashIsTheLastRecords() throws IOException {
    AuditLog log = log50();
    Verification v = log.verify(KEY);
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, v);
    // open checkpoint + 50 events + close checkpoint
    assertEquals(52, ok.records());
    String head = new ObjectMapper().readTree(log.dir().resolve(Head.FILE).toFile()).get("hash").asText();
    assertEquals(head, ok.headHash());
    assertEquals(List.of(), ok.notes());
  }

  @Test
  void oneFlippedByteNamesItsRecord() throws IOException {
    AuditLog log = log50();
    Path f = log.files().get(0);
    byte[] b = Files.readAllBytes(f);
    List<String> ls = lines(f);
    int offset = 0;
    for (int i = 0; i < 19; i++) {
      offset += ls.get(i).length() + 1;
    }
    int at = offset + ls.get(19).indexOf("\"event\"") + 20; // inside line 20's event
    b[at] ^= 0x01;
    Files.write(f, b);
    Problem p = broken(log);
    assertEquals(Kind.MODIFIED, p.kind());
    assertEquals(f, p.file());
    assertEquals(20, p.line());
    assertTrue(p.render().startsWith(f + ":20: "), p.render());
  }

  @Test
  void anEditedValueIsCaughtEvenWhenTheJsonStaysValid() throws IOException {
    AuditLog log = log50();
    Path f = log.files().get(0);
    List<String> ls = lines(f);
    int i = ls.indexOf(ls.stream().filter(l -> l.contains("\"Refuse\"") || l.contains("\"Denied\""))
        .findFirst().orElseThrow());
    ls.set(i, ls.get(i).replace("\"Denied\"", "\"Allowed\""));
    writeLines(f, ls);
    Problem p = broken(log);
    assertEquals(Kind.MODIFIED, p.kind());
    assertEquals(i + 1, p.line());
  }

  /** What verification says of a 50-event log after {@code change} to its lines. */
  private Problem brokenAfter(java.util.function.Consumer<List<String>> change) throws IOException {
    AuditLog log = log50();
    edit(log.files().get(0), change);
    return broken(log);
  }

  @Test
  void aDeletedRecordIsMissing() throws IOException {
    Problem p = brokenAfter(ls -> ls.remove(9)); // seq 10
    assertEquals(Kind.MISSING, p.kind());
    assertEquals(10, p.line());
    assertEquals(10, p.seq());
    assertTrue(p.reason().contains("records 10 were deleted"), p.reason());
  }

  @Test
  void anInsertedForgedRecordIsNotSigned() throws IOException {
    // claims to be seq 31 right after 30, prev even right, but HMAC is not
    Problem p = brokenAfter(ls -> ls.add(30, ls.get(29).replace("\"seq\":30,", "\"seq\":31,")));
    assertEquals(Kind.MODIFIED, p.kind());
    assertEquals(31, p.line());
  }

  @Test
  void aDuplicatedRecordIsOutOfOrder() throws IOException {
    Problem p = brokenAfter(ls -> ls.add(30, ls.get(29))); // a replay of seq 30
    assertEquals(Kind.OUT_OF_ORDER, p.kind());
    assertEquals(31, p.line());
  }

  @Test
  void swappedRecordsBreakTheChainAtTheFirstOne() throws IOException {
    Problem p = brokenAfter(ls -> Collections.swap(ls, 14, 15));
    assertEquals(15, p.line());
    assertEquals(Kind.MISSING, p.kind());
    assertTrue(p.reason().contains("deleted or moved"), p.reason());
  }

  @Test
  void aRecordMovedBackwardsIsOutOfOrder() throws IOException {
    Problem p = brokenAfter(ls -> ls.add(19, ls.remove(4))); // seq 5 goes after seq 20
    assertEquals(5, p.line()); // seq 6 where 5 belongs
    assertEquals(Kind.MISSING, p.kind());
  }

  @Test
  void aCutOffTailIsTruncationThanksToTheHead() throws IOException {
    Problem p = brokenAfter(ls -> ls.subList(40, ls.size()).clear());
    assertEquals(Kind.TRUNCATED, p.kind());
    assertEquals(41, p.line());
    assertTrue(p.reason().contains("records 41..52 were cut off"), p.reason());
  }

  @Test
  void aTailCutInTheMiddleOfARecordIsTruncation() throws IOException {
    AuditLog log = log50();
    Path f = log.files().get(0);
    long size = Files.size(f);
    try (var ch = java.nio.channels.FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size - 40);
    }
    Problem p = broken(log);
    assertEquals(Kind.TRUNCATED, p.kind());
    assertEquals(52, p.seq());
  }

  @Test
  void anEmptiedLogIsTruncation() throws IOException {
    AuditLog log = log50();
    Files.delete(log.files().get(0));
    assertEquals(Kind.TRUNCATED, broken(log).kind());
  }

  @Test
  void theChainContinuesAcrossRotatedFiles() throws IOException {
    AuditLog log = write(state, "agent", 300, ROTATING);
    List<Path> files = log.files();
    assertTrue(files.size() >= 3, "expected rotation, got " + files);
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(files, ok.files());
    for (Path f : files) {
      assertTrue(Files.size(f) < 16 * 1024 + 4096, f + " is " + Files.size(f) + " bytes");
    }
    List<String> first = lines(files.get(0));
    assertTrue(first.get(first.size() - 1).contains("\"why\":\"rotate\""), "a file ends with a rotate checkpoint");
    long checkpoints = first.stream().filter(l -> l.contains("\"why\":\"periodic\"")).count();
    assertTrue(checkpoints >= 1, "periodic checkpoints every 25 records");
  }

  @Test
  void aDeletedMiddleFileIsNamed() throws IOException {
    AuditLog log = write(state, "agent", 300, ROTATING);
    Path second = log.files().get(1);
    Files.delete(second);
    Problem p = broken(log);
    assertEquals(Kind.MISSING, p.kind());
    assertEquals(second, p.file());
  }

  @Test
  void aDeletedNewestFileIsTruncation() throws IOException {
    AuditLog log = write(state, "agent", 300, ROTATING);
    List<Path> files = log.files();
    Files.delete(files.get(files.size() - 1));
    assertEquals(Kind.TRUNCATED, broken(log).kind());
  }

  @Test
  void aDeletedOldestFileWithRenumberingIsMissingRecords() throws IOException {
    AuditLog log = write(state, "agent", 300, ROTATING);
    List<Path> files = log.files();
    Files.delete(files.get(0));
    for (int i = 1; i < files.size(); i++) {
      Files.move(files.get(i), files.get(i - 1));
    }
    Problem p = broken(log);
    assertEquals(Kind.MISSING, p.kind());
    assertEquals(1, p.line());
    assertEquals(1, p.seq());
  }

  @Test
  void aRecordFromAnotherSandboxsChainIsForeign() throws IOException {
    AuditLog a = log50();
    AuditLog b = AuditLog.forSandbox(state, "other");
    try (AuditWriter w = b.openWriter(KEY, ONE_FILE)) {
      for (int i = 0; i < 50; i++) {
        w.append(AuditFixture.event(i + 3));
      }
    }
    Path fa = a.files().get(0);
    List<String> la = lines(fa);
    la.set(25, lines(b.files().get(0)).get(25)); // same seq, signed by the same key
    writeLines(fa, la);
    Problem p = broken(a);
    assertEquals(Kind.FOREIGN, p.kind());
    assertEquals(26, p.line());
  }

  @Test
  void aDeletedHeadIsReported() throws IOException {
    AuditLog log = log50();
    Files.delete(log.dir().resolve(Head.FILE));
    Problem p = broken(log);
    assertEquals(Kind.BAD_HEAD, p.kind());
    assertTrue(p.reason().contains("head.json is missing"), p.reason());
  }

  @Test
  void anEditedHeadIsReported() throws IOException {
    AuditLog log = log50();
    Path h = log.dir().resolve(Head.FILE);
    Files.writeString(h, Files.readString(h).replace("\"seq\":52", "\"seq\":40"));
    Problem p = broken(log);
    assertEquals(Kind.BAD_HEAD, p.kind());
    assertEquals(h, p.file());
    assertTrue(p.reason().contains("wrong HMAC"), p.reason());
  }

  @Test
  void aLogRewrittenWithTheKeyFromTheHeadOnIsCaughtByTheHeadHash() throws IOException {
    // whoever holds the key can rewrite records; the head still pins the record it signed
    AuditLog log = log50();
    Path h = log.dir().resolve(Head.FILE);
    byte[] head = Files.readAllBytes(h);
    Path f = log.files().get(0);
    Files.delete(f);
    Files.delete(h);
    try (AuditWriter w = log.openWriter(KEY, ONE_FILE)) {
      for (int i = 0; i < 50; i++) {
        w.append(AuditFixture.event(i + 1));
      }
    }
    Files.write(h, head);
    Problem p = broken(log);
    assertEquals(Kind.BAD_HEAD, p.kind());
    assertTrue(p.reason().contains("record 52 is not the one head.json signed"), p.reason());
  }

  @Test
  void anotherHostsKeyIsNamedAsSuch() throws IOException {
    AuditLog log = log50();
    Problem p = assertInstanceOf(Verification.Broken.class, log.verify(AuditFixture.OTHER_KEY)).problem();
    assertEquals(Kind.BAD_HEAD, p.kind());
    assertTrue(p.reason().contains("signed with host key " + KEY.id()), p.reason());
  }

  @Test
  void garbageLineInTheMiddleIsModified() throws IOException {
    Problem p = brokenAfter(ls -> ls.add(7, "{\"hello\":\"world\"}"));
    assertEquals(Kind.MODIFIED, p.kind());
    assertEquals(8, p.line());
    assertTrue(p.reason().contains("not an audit record"), p.reason());
  }

  @Test
  void anIncompleteLastLineAfterTheHeadIsACrashNotTampering() throws IOException {
    AuditLog log = log50();
    Path f = log.files().get(0);
    Files.write(f, "{\"seq\":53,\"prev\":\"00".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(52, ok.records());
    assertEquals(1, ok.notes().size());
    assertTrue(ok.notes().get(0).contains("incomplete record"), ok.notes().get(0));
  }

  /** Verification of a rotated log runs per file in parallel; it must agree with one pass. */
  @Test
  void parallelVerificationOfRotatedFilesAgreesWithOneSequentialPass() throws IOException {
    ChainReader.Sink none = (file, line, seq, buf, from, to) -> {};
    List<java.util.function.Consumer<List<Path>>> tamperings = List.of(
        files -> {},
        files -> edit(files.get(1), ls -> ls.set(3, ls.get(3).replace("2026-", "2027-"))),
        files -> edit(files.get(2), ls -> ls.remove(0)),
        files -> edit(files.get(1), ls -> ls.add(0, ls.get(0))),
        files -> edit(files.get(2), ls -> ls.remove(ls.size() - 1)),
        files -> edit(files.get(0), ls -> Collections.swap(ls, ls.size() - 1, ls.size() - 2)),
        files -> edit(files.get(files.size() - 1), ls -> ls.subList(ls.size() - 5, ls.size()).clear()),
        files -> {
          try {
            Files.write(files.get(1), List.of(), StandardOpenOption.TRUNCATE_EXISTING);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    int i = 0;
    for (var t : tamperings) {
      AuditLog log = write(state, "rot" + i++, 300, ROTATING);
      List<Path> files = log.files();
      assertTrue(files.size() >= 3);
      t.accept(files);
      Verification parallel = log.verify(KEY);
      Verification sequential = log.read(KEY, none);
      assertEquals(sequential, parallel, "tampering " + (i - 1));
      if (i > 1) {
        assertInstanceOf(Verification.Broken.class, parallel, "tampering " + (i - 1));
      } else { // agreeing is not enough: both could call an untouched log broken
        assertInstanceOf(Verification.Intact.class, parallel, "untouched");
      }
    }
  }

  private static void edit(Path f, java.util.function.Consumer<List<String>> change) {
    try {
      List<String> ls = lines(f);
      change.accept(ls);
      writeLines(f, ls);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void anEmptyOrMissingLogIsIntactWithNoRecords() throws IOException {
    AuditLog log = AuditLog.forSandbox(state, "never");
    Verification.Intact ok = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(0, ok.records());
    assertEquals("0".repeat(64), ok.headHash());
  }
}
