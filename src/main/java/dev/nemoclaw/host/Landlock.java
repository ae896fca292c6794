package dev.nemoclaw.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** Asks the kernel directly for its Landlock ABI, for when the sandbox init cannot be asked. */
final class Landlock {
  static final int ENOSYS = 38;
  static final int EOPNOTSUPP = 95;

  /** What {@code landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)} said. */
  sealed interface Answer {
    record Abi(int version) implements Answer {}

    record Errno(int errno) implements Answer {}

    record Untested(String why) implements Answer {}
  }

  private interface LibC extends Library {
    long syscall(long number, Pointer attr, long size, int flags) throws LastErrorException;
  }

  private static final int LANDLOCK_CREATE_RULESET_VERSION = 1;

  private Landlock() {}

  static Answer ask(String arch) {
    // the same number on both: landlock came after the syscall tables were unified
    if (!arch.equals("x86_64") && !arch.equals("aarch64")) {
      return new Answer.Untested("no syscall number known for " + arch);
    }
    try {
      LibC libc = Native.load("c", LibC.class);
      long v = libc.syscall(444, Pointer.NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
      return new Answer.Abi((int) v);
    } catch (LastErrorException e) {
      return new Answer.Errno(e.getErrorCode());
    } catch (LinkageError | RuntimeException e) {
      return new Answer.Untested("cannot call into libc: " + e.getMessage());
    }
  }
}
