package dev.nemoclaw.sandbox.init;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The supervisor's end of {@code nemoclaw-init --container SOCKET} (PLAN.md, "Container mode"):
 * a unix stream socket that takes exactly one connection, the init's. Over it the plan goes out,
 * status lines come back (the bridge's socket attached to one of them), and its closing is the
 * lifeline. The socket file is removed as soon as the init has connected, so nothing started
 * later in the container can connect to it.
 */
public final class InitSocket implements AutoCloseable {
  private static final int SOCKADDR_UN = 110;
  private static final int MSGHDR = 56;
  private static final int IOVEC = 16;
  private static final int CONTROL = 16 + 8 * 4;

  private final Path path;
  private int fd;

  private InitSocket(Path path, int fd) {
    this.path = path;
    this.fd = fd;
  }

  /** Listens at {@code path} (a fresh name in a directory only the run can reach), mode 0666. */
  public static InitSocket listen(Path path) throws IOException {
    int dir = -1;
    int fd = -1;
    try (Memory sa = new Memory(SOCKADDR_UN)) {
      byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
      if (name.length >= SOCKADDR_UN - 2) {
        // a deep state directory: bind through a descriptor of the directory instead
        dir = LibC.C.open(path.getParent().toString(),
            LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
        name = ("/proc/self/fd/" + dir + "/" + path.getFileName())
            .getBytes(StandardCharsets.UTF_8);
      }
      fd = LibC.C.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
      sa.clear();
      sa.setShort(0, (short) LibC.AF_UNIX);
      sa.write(2, name, 0, name.length);
      LibC.C.bind(fd, sa, SOCKADDR_UN);
      // the container's user is not ours: the directory above keeps everyone else out
      Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions
          .fromString("rw-rw-rw-"));
      LibC.C.listen(fd, 1);
      return new InitSocket(path, fd);
    } catch (LastErrorException e) {
      Fds.closeQuietly(fd);
      throw new IOException("listen on " + path + ": " + LibC.C.strerror(e.getErrorCode()), e);
    } finally {
      Fds.closeQuietly(dir);
    }
  }

  /**
   * Waits up to {@code max} for the one connection, checking {@code gone} (the container ended
   * before connecting) every 50 ms; then stops listening and removes the socket file. The
   * connection is taken only from process {@code pid} (SO_PEERCRED): whoever else came first,
   * the run fails closed and the plan is never sent.
   *
   * @return the init's connection
   * @throws IOException when nobody connected in time, the container is gone, or another
   *     process connected
   */
  public int acceptFrom(long pid, Duration max, BooleanSupplier gone) throws IOException {
    Instant deadline = Instant.now().plus(max);
    try (Memory pfd = new Memory(8)) {
      while (true) {
        int ready = Fds.pollIn(pfd, fd, 50, path.toString());
        if (ready > 0) {
          break;
        }
        if (gone.getAsBoolean()) {
          throw new IOException("the container ended before its init connected");
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IOException("the container's init did not connect within " + max.toSeconds()
              + " s");
        }
      }
    }
    int conn;
    try {
      conn = LibC.C.accept4(fd, null, null, LibC.SOCK_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("accept on " + path + ": " + LibC.C.strerror(e.getErrorCode()), e);
    } finally {
      close();
    }
    int peer;
    try (Memory cred = new Memory(12)) {
      IntByReference len = new IntByReference(12);
      LibC.C.getsockopt(conn, LibC.SOL_SOCKET, LibC.SO_PEERCRED, cred, len);
      peer = cred.getInt(0);
    } catch (LastErrorException e) {
      Fds.closeQuietly(conn);
      throw new IOException("SO_PEERCRED: " + LibC.C.strerror(e.getErrorCode()), e);
    }
    if (peer != pid) {
      Fds.closeQuietly(conn);
      throw new IOException("the init socket was reached by pid " + peer
          + ", not by the container's init (pid " + pid + ")");
    }
    return conn;
  }

  /**
   * Reads status lines from the init's connection until EOF (or {@code stop}, checked every
   * {@code pollMs}); every file descriptor attached to them goes to {@code onFd} (the bridge's
   * socket, once), in the order they came.
   */
  public static void readStatus(int conn, Consumer<String> onLine, IntConsumer onFd,
      BooleanSupplier stop, int pollMs) throws IOException {
    try (Memory msg = new Memory(MSGHDR);
        Memory iov = new Memory(IOVEC);
        Memory data = new Memory(4096);
        Memory control = new Memory(CONTROL)) {
      Fds.readLines(conn, (fd, buf) -> {
        long n = BridgeReceiver.recv(fd, msg, iov, data, control);
        for (int attached : BridgeReceiver.fds(msg, control)) {
          onFd.accept(attached);
        }
        int got = (int) Math.min(n, buf.length);
        if (got > 0) {
          data.read(0, buf, 0, got);
        }
        return got;
      }, onLine, stop, pollMs);
    }
  }

  /** Stops listening and removes the socket file; harmless twice. */
  @Override
  public synchronized void close() {
    if (fd >= 0) {
      Fds.closeQuietly(fd);
      fd = -1;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // the run directory around it is removed at the end of the run
    }
  }
}
