package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path dir;

  @Test
  void replacesContentAndLeavesNoTempFile() throws IOException {
    Path f = dir.resolve("sub/report.json");
    AtomicFile.write(f, "one".getBytes());
    AtomicFile.write(f, "two".getBytes(), PosixFilePermissions.fromString("rw-------"));
    assertEquals("two", Files.readString(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(1, s.count(), "a temp file was left behind");
    }
  }

  @Test
  void failureKeepsTheOldContent() throws IOException {
    Path f = dir.resolve("keep");
    AtomicFile.write(f, "old".getBytes());
    Path blocker = dir.resolve("adir");
    Files.createDirectories(blocker.resolve("child"));
    assertThrows(IOException.class, () -> AtomicFile.write(blocker, "x".getBytes()));
    assertEquals("old", Files.readString(f));
  }

  /** The rename fails (the target is a non-empty directory): the temp file does not stay. */
  @Test
  void aFailedRenameLeavesNoTempFile() throws IOException {
    Path blocker = dir.resolve("rev-000001.json");
    Files.createDirectories(blocker.resolve("child"));
    IOException e = assertThrows(IOException.class,
        () -> AtomicFile.write(blocker, "x".getBytes()));
    assertFalse(e instanceof DiskFull, e.toString());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(blocker), s.toList(), "a temp file was left behind");
    }
  }

  @Test
  void aFullDiskIsNamedWithWhatToDo() {
    Path f = dir.resolve("policies/x/rev-000003.json");
    IOException full = DiskFull.check(new java.nio.file.FileSystemException(
        dir.resolve(".rev-000003.json.1.tmp").toString(), null, "No space left on device"), f);
    assertEquals("cannot write " + f + ": the disk is full (No space left on device); free space"
        + " on it and try again", full.getMessage());
    assertTrue(DiskFull.is(new IOException("wrapped", new IOException("Disk quota exceeded"))));
    IOException other = new java.nio.file.AccessDeniedException(f.toString());
    assertSame(other, DiskFull.check(other, f));
  }
}
