package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
}
