package dev.nemoclaw.sandbox.init;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.nemoclaw.sandbox.BridgedConnection;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Receives the connections the sandbox's bridge hands over on its socket (PLAN.md, PROXY_FD): one
 * SOCK_SEQPACKET message each, {@code u32 pid} then the executable, with the socket attached. Runs
 * until the sandbox init closes its end.
 */
public final class BridgeReceiver {
  // x86_64/aarch64 struct layouts: msghdr 56 bytes, iovec 16, cmsghdr header 16
  private static final int MSGHDR = 56;
  private static final int IOVEC = 16;
  private static final int CMSG_HEADER = 16;
  /** Room for a few fds: more than one is a broken peer, and every one must be closed. */
  private static final int CONTROL = CMSG_HEADER + 8 * 4;
  private static final int MESSAGE = 4 + 4096;

  private BridgeReceiver() {}

  /** Blocks, calling {@code sink} (or closing the socket when there is none) per connection. */
  public static void receive(int fd, Optional<Consumer<BridgedConnection>> sink) {
    try (Memory msg = new Memory(MSGHDR);
        Memory iov = new Memory(IOVEC);
        Memory data = new Memory(MESSAGE);
        Memory control = new Memory(CONTROL)) {
      while (true) {
        long n;
        try {
          n = recv(fd, msg, iov, data, control);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == LibC.EINTR) {
            continue;
          }
          return;
        }
        if (n <= 0) {
          return; // the sandbox init is gone
        }
        int[] fds = fds(msg, control);
        if (fds.length == 0) {
          continue;
        }
        for (int i = 1; i < fds.length; i++) {
          Fds.closeQuietly(fds[i]);
        }
        BridgedConnection c = decode(data.getByteArray(0, (int) n), fds[0]);
        if (sink.isEmpty()) {
          Fds.closeQuietly(c.fd());
          continue;
        }
        try {
          sink.get().accept(c);
        } catch (RuntimeException e) {
          Fds.closeQuietly(c.fd());
        }
      }
    }
  }

  /** One recvmsg(2) into {@code data}, attached descriptors into {@code control}. */
  static long recv(int fd, Memory msg, Memory iov, Memory data, Memory control)
      throws LastErrorException {
    msg.clear();
    control.clear();
    iov.setPointer(0, data);
    iov.setLong(8, data.size());
    msg.setPointer(16, iov);
    msg.setLong(24, 1);
    msg.setPointer(32, control);
    msg.setLong(40, control.size());
    return LibC.C.recvmsg(fd, msg, LibC.MSG_CMSG_CLOEXEC);
  }

  public static BridgedConnection decode(byte[] m, int socket) {
    if (m.length < 4) {
      return new BridgedConnection(socket, OptionalInt.empty(), Optional.empty());
    }
    int pid = (m[0] & 0xff) | (m[1] & 0xff) << 8 | (m[2] & 0xff) << 16 | (m[3] & 0xff) << 24;
    if (pid <= 0) {
      return new BridgedConnection(socket, OptionalInt.empty(), Optional.empty());
    }
    String exe = new String(m, 4, m.length - 4, StandardCharsets.UTF_8);
    return new BridgedConnection(socket, OptionalInt.of(pid),
        exe.isEmpty() ? Optional.empty() : Optional.of(exe));
  }

  static int[] fds(Memory msg, Memory control) {
    long controlLen = msg.getLong(40);
    if (controlLen < CMSG_HEADER) {
      return new int[0];
    }
    long cmsgLen = control.getLong(0);
    int level = control.getInt(8);
    int type = control.getInt(12);
    if (level != LibC.SOL_SOCKET || type != LibC.SCM_RIGHTS || cmsgLen < CMSG_HEADER
        || cmsgLen > controlLen) {
      return new int[0];
    }
    int[] fds = new int[(int) (cmsgLen - CMSG_HEADER) / 4];
    for (int i = 0; i < fds.length; i++) {
      fds[i] = control.getInt(CMSG_HEADER + 4L * i);
    }
    return fds;
  }
}
