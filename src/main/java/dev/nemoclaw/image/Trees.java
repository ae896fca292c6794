package dev.nemoclaw.image;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Whole-tree operations that never follow a symlink. */
final class Trees {
  private Trees() {}

  /**
   * Deletes {@code p} and everything below it. A directory is made owner-writable first: an
   * image's read-only directories (0555) would otherwise keep their contents.
   */
  static void delete(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
      perms.addAll(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
      perms.addAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE));
      Files.setPosixFilePermissions(p, perms);
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        s.forEach(children::add);
      }
      for (Path c : children) {
        delete(c);
      }
    }
    Files.delete(p);
  }

  /** Whether anything, a dangling symlink included, is at {@code p}. */
  static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }

  /** Bytes in regular files below {@code root}, each inode counted once (hard links share). */
  static long size(Path root) throws IOException {
    Set<Object> seen = new HashSet<>();
    long[] total = {0};
    Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path f, BasicFileAttributes a) {
        if (a.isRegularFile() && (a.fileKey() == null || seen.add(a.fileKey()))) {
          total[0] += a.size();
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
        return java.nio.file.FileVisitResult.CONTINUE; // an unreadable 0000 dir: not counted
      }
    });
    return total[0];
  }
}
