package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.BridgeReceiver;
import dev.nemoclaw.sandbox.init.Fds;
import dev.nemoclaw.sandbox.init.InitRun;
import dev.nemoclaw.sandbox.init.LibC;
import dev.nemoclaw.sandbox.init.WaitStatus;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.nemoclaw.sandbox.BridgedConnection;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.OutputChunk;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.StatusEvent;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * One run of the sandbox init. A dedicated platform thread spawns the init, writes the plan, then
 * waits for the init and cleans up; it lives exactly as long as the run, because the init's
 * PR_SET_PDEATHSIG is tied to the thread that spawned it. A second thread reads status lines.
 */
final class LinuxSandbox extends InitRun {
  private static final int STATUS_POLL_MS = 100;
  private static final long SAMPLE_MS = 250;

  private final String name;
  private final byte[] plan;
  private final Optional<SandboxCgroup> cgroup;
  private final Optional<Duration> timeout;
  private final Duration timeoutGrace;
  private final boolean bridge;
  private final Optional<Consumer<BridgedConnection>> bridgeSink;
  private final Optional<Consumer<OutputChunk>> output;
  private final boolean headless;
  private final CompletableFuture<Integer> spawned = new CompletableFuture<>();
  private final Object signalLock = new Object();
  private boolean exited; // guarded by signalLock: no signal may reach a reaped (reusable) pid
  private volatile int pid = -1;
  private volatile boolean initGone;

  LinuxSandbox(String name, byte[] plan, Optional<SandboxCgroup> cgroup, Limits limits,
      Optional<Duration> timeout, Duration timeoutGrace, Consumer<StatusEvent> listener,
      boolean bridge, Optional<Consumer<BridgedConnection>> bridgeSink,
      Optional<Consumer<OutputChunk>> output, boolean headless) {
    super(name, limits, listener);
    this.name = name;
    this.plan = plan;
    this.cgroup = cgroup;
    this.timeout = timeout;
    this.timeoutGrace = timeoutGrace;
    this.bridge = bridge;
    this.bridgeSink = bridgeSink;
    this.output = output;
    this.headless = headless;
  }

  /** Spawns the init on the run thread; returns once it runs (or throws why it could not). */
  void launch(Path init) throws SandboxException {
    Thread.ofPlatform().name("nemoclaw-run-" + name).daemon(true).start(() -> run(init));
    try {
      pid = spawned.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SandboxException se) {
        throw se;
      }
      throw new SandboxException("init", e.getCause().toString(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException("init", "interrupted while starting");
    }
  }

  private void run(Path init) {
    Spawner.Spawned sp;
    try {
      sp = Spawner.spawn(init, bridge, output.isPresent() || headless, headless);
    } catch (SandboxException e) {
      cgroup.ifPresent(SandboxCgroup::destroy);
      spawned.completeExceptionally(e);
      return;
    } catch (RuntimeException | Error e) {
      cgroup.ifPresent(SandboxCgroup::destroy);
      spawned.completeExceptionally(new SandboxException("init", e.toString(), e));
      return;
    }
    Instant t0 = Instant.now();
    pid = sp.pid();
    spawned.complete(sp.pid());
    Thread reader = Thread.ofPlatform().name("nemoclaw-status-" + name).daemon(true)
        .start(() -> readStatus(sp.statusFd()));
    Thread bridgeReader = sp.bridgeFd() < 0 ? null : Thread.ofPlatform()
        .name("nemoclaw-bridge-" + name).daemon(true)
        .start(() -> BridgeReceiver.receive(sp.bridgeFd(), bridgeSink));
    Thread outReader = sp.stdoutFd() < 0 ? null : copier(sp.stdoutFd(), false);
    Thread errReader = sp.stderrFd() < 0 ? null : copier(sp.stderrFd(), true);
    Thread timer = Thread.ofVirtual().name("nemoclaw-timeout-" + name)
        .start(() -> watchTimeout(timeout, timeoutGrace));
    Thread sampler = Thread.ofVirtual().name("nemoclaw-sample-" + name).start(this::sample);
    try {
      try {
        Fds.writeAll(sp.planFd(), plan);
      } catch (IOException e) {
        // the init is gone before reading it all; its status lines and exit say why
      }
      WaitStatus ws = reap(sp.pid());
      initGone = true;
      timer.interrupt();
      sampler.interrupt();
      joinQuietly(reader, 5000);
      Fds.closeQuietly(sp.statusFd());
      for (Thread t : new Thread[] {outReader, errReader}) {
        if (t != null) {
          joinQuietly(t, 5000);
        }
      }
      Fds.closeQuietly(sp.stdoutFd());
      Fds.closeQuietly(sp.stderrFd());
      if (bridgeReader != null) {
        joinQuietly(bridgeReader, 5000);
        Fds.closeQuietly(sp.bridgeFd());
      }
      ResourceUsage usage = cgroup.map(SandboxCgroup::usage).orElseGet(ResourceUsage::unmeasured);
      cgroup.ifPresent(SandboxCgroup::destroy);
      finish(ws, usage, cgroup.map(SandboxCgroup::memoryLimitBytes).orElse(0L), t0);
    } catch (Throwable e) {
      cgroup.ifPresent(SandboxCgroup::destroy);
      finish(new Outcome.Reason.FailedToStart("supervisor", e.toString()),
          ResourceUsage.unmeasured(), t0);
    } finally {
      // the lifeline: closed only now that the run is over
      Fds.closeQuietly(sp.planFd());
    }
  }

  /** Waits without reaping first, so {@link #signal} can never hit a recycled pid. */
  private WaitStatus reap(int pid) {
    try (Memory info = new Memory(128)) {
      while (true) {
        try {
          LibC.C.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT);
          break;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != LibC.EINTR) {
            break; // ECHILD: someone else reaped it; waitpid below says so
          }
        }
      }
    }
    synchronized (signalLock) {
      exited = true;
    }
    int[] status = new int[1];
    while (true) {
      try {
        LibC.C.waitpid(pid, status, 0);
        return WaitStatus.decode(status[0]);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LibC.EINTR) {
          return new WaitStatus.Killed(LibC.SIGKILL);
        }
      }
    }
  }

  /** Copies the sandbox's stdout or stderr to ours, and to the output sink, until EOF. */
  private Thread copier(int fd, boolean stderr) {
    FileOutputStream to = new FileOutputStream(stderr ? FileDescriptor.err : FileDescriptor.out);
    return Thread.ofPlatform().name("nemoclaw-" + (stderr ? "stderr-" : "stdout-") + name)
        .daemon(true).start(() -> {
          byte[] buf = new byte[65536];
          boolean ours = !headless;
          while (true) {
            long n;
            try {
              n = LibC.C.read(fd, buf, buf.length);
            } catch (LastErrorException e) {
              if (e.getErrorCode() == LibC.EINTR) {
                continue;
              }
              return;
            }
            if (n <= 0) {
              return;
            }
            if (ours) {
              try {
                to.write(buf, 0, (int) n);
              } catch (IOException e) {
                ours = false; // our own stdout is gone (a closed pipe): keep draining the sandbox
              }
            }
            try {
              output.ifPresent(o -> o.accept(new OutputChunk(stderr, Arrays.copyOf(buf, (int) n))));
            } catch (RuntimeException ignored) {
              // a failing listener must not stall the sandbox's output
            }
          }
        });
  }

  private void readStatus(int fd) {
    try {
      Fds.readLines(fd, this::onLine, () -> initGone, STATUS_POLL_MS);
    } catch (IOException e) {
      note("status fd: " + e.getMessage());
    }
  }

  private void sample() {
    if (cgroup.isEmpty()) {
      return;
    }
    try {
      while (!initGone) {
        cgroup.get().sample();
        Thread.sleep(SAMPLE_MS);
      }
    } catch (InterruptedException e) {
      // the run ended
    }
  }

  private static void joinQuietly(Thread t, long ms) throws InterruptedException {
    t.join(ms);
  }

  @Override
  public void setLimits(SandboxPlan.Resources resources) throws IOException {
    if (cgroup.isEmpty()) {
      throw new IOException("resource limits are off for this run (" + limits().describe() + ")");
    }
    cgroup.get().raise(resources);
  }

  @Override
  public ResourceUsage usage() {
    return usageOr(() -> cgroup.map(SandboxCgroup::usage).orElseGet(ResourceUsage::unmeasured));
  }

  /** Sends {@code sig} to the init unless it has already exited. */
  @Override
  public boolean signal(int sig) {
    synchronized (signalLock) {
      if (exited || pid <= 0) {
        return false;
      }
      try {
        LibC.C.kill(pid, sig);
        return true;
      } catch (LastErrorException e) {
        return false;
      }
    }
  }

  @Override
  public long pid() {
    return pid;
  }
}
