package dev.nemoclaw.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Crash-safe writes: a temp file beside the target, fsync, rename, fsync of the directory. When
 * any step fails the target keeps its old content (or stays absent), the temp file is removed,
 * and a full disk is reported as {@link DiskFull} naming the target.
 */
public final class AtomicFile {
  private AtomicFile() {}

  public static void write(Path target, byte[] content, Set<PosixFilePermission> perms)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, perms);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(content);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("cannot replace " + target + " atomically: " + e.getMessage(), e);
        }
        syncDirectory(dir);
      } catch (IOException | RuntimeException e) {
        // after a rename there is nothing left to delete; before it, the temp file must go
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    } catch (IOException e) {
      throw DiskFull.check(e, target.toAbsolutePath());
    }
  }

  /** Makes a rename or link in {@code dir} durable: without it a crash can forget the name. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
  }
}
