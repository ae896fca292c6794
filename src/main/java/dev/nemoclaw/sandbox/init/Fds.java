package dev.nemoclaw.sandbox.init;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Blocking I/O on raw pipe fds, which the JDK cannot wrap without reflection. */
public final class Fds {
  private Fds() {}

  /** Writes all of {@code data}; EPIPE (the reader is gone) comes back as an IOException. */
  public static void writeAll(int fd, byte[] data) throws IOException {
    int off = 0;
    while (off < data.length) {
      byte[] chunk = off == 0 ? data : Arrays.copyOfRange(data, off, data.length);
      try {
        long n = LibC.C.write(fd, chunk, chunk.length);
        off += (int) n;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LibC.EINTR) {
          throw new IOException("write fd " + fd + ": " + LibC.C.strerror(e.getErrorCode()), e);
        }
      }
    }
  }

  /** How bytes come off a descriptor: read(2), or recvmsg(2) keeping what is attached. */
  @FunctionalInterface
  public interface Source {
    /** Up to {@code buf.length} bytes into {@code buf}; 0 at EOF. */
    long read(int fd, byte[] buf) throws LastErrorException;
  }

  /**
   * Reads {@code \n}-terminated UTF-8 lines until EOF or until {@code stop} says so (checked every
   * {@code pollMs}, so a stray writer holding the pipe open cannot keep us here forever).
   */
  public static void readLines(int fd, Consumer<String> onLine, BooleanSupplier stop, int pollMs)
      throws IOException {
    readLines(fd, (f, buf) -> LibC.C.read(f, buf, buf.length), onLine, stop, pollMs);
  }

  /** {@link #readLines(int, Consumer, BooleanSupplier, int)} with bytes from {@code source}. */
  public static void readLines(int fd, Source source, Consumer<String> onLine,
      BooleanSupplier stop, int pollMs) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    byte[] buf = new byte[4096];
    try (Memory pfd = new Memory(8)) {
      while (true) {
        int ready = pollIn(pfd, fd, pollMs, "status fd");
        if (ready < 0) {
          continue; // EINTR
        }
        if (ready == 0) {
          if (stop.getAsBoolean()) {
            break;
          }
          continue;
        }
        long n;
        try {
          n = source.read(fd, buf);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
            continue;
          }
          throw new IOException("read status fd: " + LibC.C.strerror(e.getErrorCode()), e);
        }
        if (n == 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            onLine.accept(line.toString(StandardCharsets.UTF_8));
            line.reset();
          } else if (line.size() < 64 * 1024) {
            line.write(buf[i]);
          }
        }
      }
    }
    if (line.size() > 0) {
      onLine.accept(line.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * poll(2) for input on {@code fd} with {@code pfd} (8 bytes) as the pollfd: 1 ready, 0 timed
   * out, -1 interrupted (call again).
   */
  static int pollIn(Memory pfd, int fd, int ms, String what) throws IOException {
    pfd.setInt(0, fd);
    pfd.setShort(4, LibC.POLLIN);
    pfd.setShort(6, (short) 0);
    try {
      return LibC.C.poll(pfd, 1, ms) > 0 ? 1 : 0;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EINTR) {
        return -1;
      }
      throw new IOException("poll " + what + ": " + LibC.C.strerror(e.getErrorCode()), e);
    }
  }

  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      LibC.C.close(fd);
    } catch (LastErrorException e) {
      // EINTR still closes on Linux; EBADF means it was closed already
    }
  }
}
