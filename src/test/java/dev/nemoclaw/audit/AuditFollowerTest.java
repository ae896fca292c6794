package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Following a log as it grows: verified, in order, without gaps, across rotation and runs. */
@Timeout(60)
class AuditFollowerTest {
  @TempDir Path dir;

  private static void assertContiguous(List<Long> seqs, long last) {
    assertEquals(last, seqs.size(), "every record once");
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(i + 1, seqs.get(i), "in order, without gaps");
    }
  }

  @Test
  void newRecordsArriveAcrossRotationAndLaterRuns() throws Exception {
    AuditWriter.Options small = AuditWriter.Options.defaults().withMaxFileBytes(4096);
    AuditLog log = AuditFixture.write(dir, "agent", 10, small);
    Follower f = new Follower(log, KEY);
    List<Long> seqs = new ArrayList<>();
    assertInstanceOf(Verification.Intact.class, f.history(e -> seqs.add(e.seq())));
    assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    for (int run = 0; run < 3; run++) {
      try (AuditWriter w = log.openWriter(KEY, small)) {
        for (int i = 0; i < 40; i++) {
          w.append(AuditFixture.event(i));
          if (i % 10 == 0) {
            w.sync();
            assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
          }
        }
      }
      assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    }
    Verification all = log.verify(KEY);
    assertTrue(all.files().size() > 3, "rotated: " + all.files());
    assertContiguous(seqs, all.records());
    assertEquals(all.records(), f.records());
  }

  @Test
  void aFollowerKeepsUpWithAWriterInFlight() throws Exception {
    AuditWriter.Options small = AuditWriter.Options.defaults().withMaxFileBytes(64 << 10);
    AuditLog log = AuditLog.forSandbox(dir, "busy");
    Follower f = new Follower(log, KEY);
    List<Long> seqs = new ArrayList<>();
    assertInstanceOf(Verification.Intact.class, f.history(e -> seqs.add(e.seq())));
    AtomicBoolean done = new AtomicBoolean();
    Thread writer = Thread.ofPlatform().start(() -> {
      try (AuditWriter w = log.openWriter(KEY, small)) {
        for (int i = 0; i < 1500; i++) {
          w.append(AuditFixture.event(i));
          if (i % 50 == 0) {
            Thread.sleep(2);
          }
        }
      } catch (Exception e) {
        throw new RuntimeException(e);
      } finally {
        done.set(true);
      }
    });
    while (!done.get()) {
      assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    }
    writer.join();
    assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    Verification all = log.verify(KEY);
    assertInstanceOf(Verification.Intact.class, all);
    assertContiguous(seqs, all.records());
  }

  @Test
  void aForgedRecordAppendedWhileFollowingEndsIt() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 10, AuditWriter.Options.defaults());
    Follower f = new Follower(log, KEY);
    List<Long> seqs = new ArrayList<>();
    f.history(e -> seqs.add(e.seq()));
    Path file = log.files().getFirst();
    String last = AuditFixture.lines(file).getLast();
    String forged = last.replace("{\"seq\":12,", "{\"seq\":13,");
    Files.writeString(file, forged + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    Optional<Problem> p = f.poll(e -> seqs.add(e.seq()));
    assertTrue(p.isPresent());
    assertEquals(Problem.Kind.MODIFIED, p.get().kind());
    assertEquals(13, p.get().line());
    assertEquals(12, seqs.size(), "nothing after the bad record");
  }

  @Test
  void aLogCutBehindTheFollowerIsNamed() throws Exception {
    AuditLog log = AuditFixture.write(dir, "agent", 10, AuditWriter.Options.defaults());
    Follower f = new Follower(log, KEY);
    f.history(e -> {});
    Path file = log.files().getFirst();
    List<String> lines = AuditFixture.lines(file);
    AuditFixture.writeLines(file, lines.subList(0, 5));
    Optional<Problem> p = f.poll(e -> {});
    assertEquals(Problem.Kind.TRUNCATED, p.orElseThrow().kind());
  }

  @Test
  void aLogThatDoesNotExistYetIsFollowedFromItsFirstRecord() throws Exception {
    AuditLog log = AuditLog.forSandbox(dir, "later");
    Follower f = new Follower(log, KEY);
    List<Long> seqs = new ArrayList<>();
    Verification v = f.history(e -> seqs.add(e.seq()));
    assertEquals(0, v.records());
    assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    AuditFixture.write(dir, "later", 3, AuditWriter.Options.defaults());
    assertEquals(Optional.empty(), f.poll(e -> seqs.add(e.seq())));
    assertContiguous(seqs, 5);
  }
}
