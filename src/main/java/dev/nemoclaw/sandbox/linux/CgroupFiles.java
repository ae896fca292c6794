package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.LibC;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Reading and writing cgroupfs interface files, and emptying and removing a cgroup. */
final class CgroupFiles {
  private CgroupFiles() {}

  /** Never creates: a missing interface file means the controller is not there. */
  static void write(Path file, String value) throws IOException {
    Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static OptionalLong readLong(Path file) {
    return read(file).map(String::strip).filter(s -> s.matches("\\d+"))
        .map(s -> OptionalLong.of(Long.parseLong(s))).orElse(OptionalLong.empty());
  }

  /** The value of {@code key} in a flat-keyed file ({@code memory.events}, {@code cpu.stat}). */
  static OptionalLong readKey(Path file, String key) {
    return read(file).flatMap(text -> text.lines()
            .map(l -> l.split("\\s+"))
            .filter(f -> f.length == 2 && f[0].equals(key) && f[1].matches("\\d+"))
            .map(f -> Long.parseLong(f[1]))
            .findFirst())
        .map(OptionalLong::of).orElse(OptionalLong.empty());
  }

  static List<Long> pids(Path dir) {
    return read(dir.resolve("cgroup.procs")).map(t -> t.lines()
        .map(String::strip).filter(s -> s.matches("\\d+")).map(Long::parseLong).toList())
        .orElse(List.of());
  }

  /** Every pid in {@code dir} and the cgroups below it. */
  static List<Long> pidsDeep(Path dir) {
    List<Long> out = new ArrayList<>(pids(dir));
    for (Path sub : subdirs(dir)) {
      out.addAll(pidsDeep(sub));
    }
    return out;
  }

  static List<Path> subdirs(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
      ds.forEach(out::add);
    } catch (IOException e) {
      // gone or unreadable: nothing below
    }
    return out;
  }

  static void killAll(List<Long> pids) {
    for (long pid : pids) {
      try {
        LibC.C.kill((int) pid, LibC.SIGKILL);
      } catch (LastErrorException e) {
        // ESRCH: already gone
      }
    }
  }

  /** Waits until no process is left in {@code dir} (and below), up to {@code maxMs}. */
  static boolean awaitEmpty(Path dir, long maxMs) {
    long deadline = System.nanoTime() + maxMs * 1_000_000;
    while (!pidsDeep(dir).isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(10);
    }
    return true;
  }

  /** rmdir, children first (the agent may have made sub-cgroups in its delegated tree). */
  static void removeTree(Path dir) throws IOException {
    for (Path sub : subdirs(dir)) {
      removeTree(sub);
    }
    // rmdir fails with EBUSY while the last killed tasks finish exiting; retry briefly
    for (int i = 0; ; i++) {
      try {
        Files.delete(dir);
        return;
      } catch (NoSuchFileException e) {
        return;
      } catch (IOException e) {
        if (i >= 100) {
          throw e;
        }
        sleep(20);
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
