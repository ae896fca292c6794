package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.PlanEncoder;

import dev.nemoclaw.sandbox.init.Fds;
import dev.nemoclaw.sandbox.init.LibC;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import dev.nemoclaw.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts {@code nemoclaw-init --plan-fd 3 --status-fd 4} with posix_spawn, so that fds 3 and 4
 * reach it (ProcessBuilder would close them) and 0/1/2 are the JVM's own: output streams without a
 * copy and a terminal passes through.
 *
 * <p>Must be called from a thread that lives as long as the run: the init's PR_SET_PDEATHSIG
 * fires when the spawning <em>thread</em> exits, not the JVM.
 */
final class Spawner {
  static final String TEST_LANDLOCK_ABI = "NEMOCLAW_TEST_LANDLOCK_ABI";

  static final int PLAN_FD = 3;
  static final int STATUS_FD = 4;
  /** Network mode proxy: the bridge's socket (PLAN.md, PROXY_FD). */
  static final int BRIDGE_FD = PlanEncoder.BRIDGE_FD;
  /** Bigger than glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336). */
  private static final int OPAQUE = 1024;
  /** sigset_t is 128 bytes in glibc. */
  private static final int SIGSET = 128;

  /**
   * The parent's ends: {@code planFd} stays open as the lifeline until the run ends; {@code
   * statusFd} is read until EOF; {@code bridgeFd} (-1 without a bridge) delivers connections.
   */
  record Spawned(int pid, int planFd, int statusFd, int bridgeFd, int stdoutFd, int stderrFd) {}

  private Spawner() {}

  /**
   * @param capture the init's stdout and stderr become pipes whose read ends come back in {@link
   *     Spawned} (-1 otherwise: the JVM's own fds 1 and 2)
   */
  static Spawned spawn(Path init, boolean bridge, boolean capture, boolean nullStdin)
      throws SandboxException {
    if (!Files.isExecutable(init)) {
      throw new SandboxException("init", "the sandbox init " + init + " is missing or not"
          + " executable (build it with `./mvnw package`, or set NEMOCLAW_INIT)");
    }
    int[] plan = {-1, -1};
    int[] status = {-1, -1};
    int[] bridgePair = {-1, -1};
    int[] out = {-1, -1};
    int[] err = {-1, -1};
    try {
      pipe(plan);
      pipe(status);
      if (capture) {
        pipe(out);
        pipe(err);
        out[1] = above(out[1], BRIDGE_FD);
        err[1] = above(err[1], BRIDGE_FD);
      }
      if (bridge) {
        socketpair(bridgePair);
      }
      // dup2 onto 3/4/5 in the child must not clobber another end: keep them all above 5.
      plan[0] = above(plan[0], BRIDGE_FD);
      status[1] = above(status[1], BRIDGE_FD);
      if (bridge) {
        bridgePair[1] = above(bridgePair[1], BRIDGE_FD);
      }
      int pid = posixSpawn(init, plan[0], status[1], bridgePair[1], out[1], err[1], nullStdin);
      Fds.closeQuietly(plan[0]);
      Fds.closeQuietly(status[1]);
      Fds.closeQuietly(bridgePair[1]);
      Fds.closeQuietly(out[1]);
      Fds.closeQuietly(err[1]);
      return new Spawned(pid, plan[1], status[0], bridgePair[0], out[0], err[0]);
    } catch (SandboxException | RuntimeException e) {
      for (int fd : new int[] {plan[0], plan[1], status[0], status[1], bridgePair[0],
          bridgePair[1], out[0], out[1], err[0], err[1]}) {
        Fds.closeQuietly(fd);
      }
      throw e;
    }
  }

  private static void pipe(int[] fds) throws SandboxException {
    try {
      LibC.C.pipe2(fds, LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SandboxException("init", "pipe2: " + LibC.C.strerror(e.getErrorCode()));
    }
  }

  private static void socketpair(int[] fds) throws SandboxException {
    try {
      LibC.C.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds);
    } catch (LastErrorException e) {
      throw new SandboxException("init", "socketpair: " + LibC.C.strerror(e.getErrorCode()));
    }
  }

  private static int above(int fd, int max) throws SandboxException {
    if (fd > max) {
      return fd;
    }
    try {
      int moved = LibC.C.fcntl(fd, LibC.F_DUPFD_CLOEXEC, max + 1);
      Fds.closeQuietly(fd);
      return moved;
    } catch (LastErrorException e) {
      throw new SandboxException("init", "fcntl F_DUPFD_CLOEXEC: "
          + LibC.C.strerror(e.getErrorCode()));
    }
  }

  private static int posixSpawn(Path init, int childPlan, int childStatus, int childBridge,
      int childOut, int childErr, boolean nullStdin) throws SandboxException {
    LibC c = LibC.C;
    try (Memory actions = new Memory(OPAQUE);
        Memory attr = new Memory(OPAQUE);
        Memory empty = new Memory(SIGSET);
        Memory all = new Memory(SIGSET)) {
      actions.clear();
      attr.clear();
      check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
      try {
        check(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
        try {
          // dup2 clears FD_CLOEXEC on the target, so only 3, 4 (and 5) survive the exec
          check(c.posix_spawn_file_actions_adddup2(actions, childPlan, PLAN_FD), "adddup2 3");
          check(c.posix_spawn_file_actions_adddup2(actions, childStatus, STATUS_FD), "adddup2 4");
          if (nullStdin) {
            check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", 0, 0),
                "addopen /dev/null");
          }
          if (childOut >= 0) {
            check(c.posix_spawn_file_actions_adddup2(actions, childOut, 1), "adddup2 1");
            check(c.posix_spawn_file_actions_adddup2(actions, childErr, 2), "adddup2 2");
          }
          if (childBridge >= 0) {
            check(c.posix_spawn_file_actions_adddup2(actions, childBridge, BRIDGE_FD),
                "adddup2 5");
          }
          closeFrom(actions, childBridge >= 0 ? BRIDGE_FD + 1 : STATUS_FD + 1);
          // the JVM blocks and handles signals its own way; the init must start from defaults
          c.sigemptyset(empty);
          c.sigfillset(all);
          check(c.posix_spawnattr_setsigmask(attr, empty), "posix_spawnattr_setsigmask");
          check(c.posix_spawnattr_setsigdefault(attr, all), "posix_spawnattr_setsigdefault");
          check(c.posix_spawnattr_setflags(attr,
              (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)),
              "posix_spawnattr_setflags");
          IntByReference pid = new IntByReference();
          StringArray argv = new StringArray(new String[] {
              "nemoclaw-init", "--plan-fd", "" + PLAN_FD, "--status-fd", "" + STATUS_FD});
          StringArray envp = new StringArray(initEnvironment());
          int rc = c.posix_spawn(pid, init.toString(), actions, attr, argv, envp);
          if (rc != 0) {
            throw new SandboxException("init", "posix_spawn " + init + ": " + c.strerror(rc));
          }
          return pid.getValue();
        } finally {
          c.posix_spawnattr_destroy(attr);
        }
      } finally {
        c.posix_spawn_file_actions_destroy(actions);
      }
    }
  }

  /**
   * The JVM's own fds are not all close-on-exec; closefrom keeps them out of the init. On a glibc
   * without it the init still closes every fd but 0-2 before the agent runs.
   */
  private static void closeFrom(Memory actions, int from) throws SandboxException {
    try {
      check(LibC.C.posix_spawn_file_actions_addclosefrom_np(actions, from),
          "posix_spawn_file_actions_addclosefrom_np");
    } catch (UnsatisfiedLinkError e) {
      // glibc < 2.34
    }
  }

  private static void check(int rc, String what) throws SandboxException {
    if (rc != 0) {
      throw new SandboxException("init", what + ": " + LibC.C.strerror(rc));
    }
  }

  /**
   * The init's own environment: empty, except the documented test-only override that makes it
   * behave as on a kernel with a lower (or no) Landlock ABI.
   */
  private static String[] initEnvironment() {
    String v = System.getenv(TEST_LANDLOCK_ABI);
    return v == null ? new String[0] : new String[] {TEST_LANDLOCK_ABI + "=" + v};
  }
}
