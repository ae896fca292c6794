package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.BridgeReceiver;
import dev.nemoclaw.sandbox.init.Fds;
import dev.nemoclaw.sandbox.init.LibC;
import dev.nemoclaw.sandbox.init.OutcomeRules;
import dev.nemoclaw.sandbox.init.WaitStatus;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.nemoclaw.sandbox.BridgedConnection;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.OutputChunk;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.StatusEvent;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One run of the sandbox init. A dedicated platform thread spawns the init, writes the plan, then
 * waits for the init and cleans up; it lives exactly as long as the run, because the init's
 * PR_SET_PDEATHSIG is tied to the thread that spawned it. A second thread reads status lines.
 */
final class LinuxSandbox implements SandboxHandle {
  private static final int STATUS_POLL_MS = 100;
  private static final long SAMPLE_MS = 250;

  private final String name;
  private final byte[] plan;
  private final Optional<SandboxCgroup> cgroup;
  private final Limits limits;
  private final Optional<Duration> timeout;
  private final Duration timeoutGrace;
  private final Consumer<StatusEvent> listener;
  private final boolean bridge;
  private final Optional<Consumer<BridgedConnection>> bridgeSink;
  private final Optional<Consumer<OutputChunk>> output;
  private final boolean headless;
  private final List<StatusEvent> events = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> spawned = new CompletableFuture<>();
  private final CompletableFuture<Boolean> started = new CompletableFuture<>();
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private final Object signalLock = new Object();
  private boolean exited; // guarded by signalLock: no signal may reach a reaped (reusable) pid
  private volatile int pid = -1;
  private volatile boolean initGone;
  private volatile Optional<Duration> timedOut = Optional.empty();

  LinuxSandbox(String name, byte[] plan, Optional<SandboxCgroup> cgroup, Limits limits,
      Optional<Duration> timeout, Duration timeoutGrace, Consumer<StatusEvent> listener,
      boolean bridge, Optional<Consumer<BridgedConnection>> bridgeSink,
      Optional<Consumer<OutputChunk>> output, boolean headless) {
    this.name = name;
    this.plan = plan;
    this.cgroup = cgroup;
    this.limits = limits;
    this.timeout = timeout;
    this.timeoutGrace = timeoutGrace;
    this.listener = listener;
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
    Thread timer = Thread.ofVirtual().name("nemoclaw-timeout-" + name).start(this::watchTimeout);
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
      long memLimit = cgroup.map(SandboxCgroup::memoryLimitBytes).orElse(0L);
      Outcome.Reason reason = OutcomeRules.decide(List.copyOf(events), ws, timedOut, usage,
          memLimit);
      outcome.complete(new Outcome(reason, lastInt(StatusEvent.Landlock.class),
          lastInt(StatusEvent.Seccomp.class), usage, limits,
          Duration.between(t0, Instant.now())));
    } catch (Throwable e) {
      cgroup.ifPresent(SandboxCgroup::destroy);
      outcome.complete(new Outcome(new Outcome.Reason.FailedToStart("supervisor", e.toString()),
          OptionalInt.empty(), OptionalInt.empty(), ResourceUsage.unmeasured(), limits,
          Duration.between(t0, Instant.now())));
    } finally {
      // the lifeline: closed only now that the run is over
      Fds.closeQuietly(sp.planFd());
      started.complete(false);
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
      events.add(new StatusEvent.Unknown("status fd: " + e.getMessage()));
    }
  }

  private void onLine(String line) {
    StatusEvent e = StatusEvent.parse(line);
    events.add(e);
    if (e instanceof StatusEvent.Started) {
      started.complete(true);
    }
    try {
      listener.accept(e);
    } catch (RuntimeException ex) {
      // a listener's bug must not stop the run's bookkeeping
    }
  }

  private void watchTimeout() {
    if (timeout.isEmpty()) {
      return;
    }
    try {
      if (outcome.isDone()) {
        return;
      }
      Thread.sleep(timeout.get());
      timedOut = timeout;
      stop(timeoutGrace);
    } catch (InterruptedException e) {
      // the run ended first
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

  private OptionalInt lastInt(Class<? extends StatusEvent> kind) {
    OptionalInt v = OptionalInt.empty();
    for (StatusEvent e : events) {
      if (kind.isInstance(e)) {
        v = OptionalInt.of(switch (e) {
          case StatusEvent.Landlock l -> l.abi();
          case StatusEvent.Seccomp s -> s.rules();
          default -> 0;
        });
      }
    }
    return v;
  }

  private static void joinQuietly(Thread t, long ms) throws InterruptedException {
    t.join(ms);
  }

  @Override
  public void setLimits(SandboxPlan.Resources resources) throws IOException {
    if (cgroup.isEmpty()) {
      throw new IOException("resource limits are off for this run (" + limits.describe() + ")");
    }
    cgroup.get().raise(resources);
  }

  @Override
  public ResourceUsage usage() {
    return outcome.isDone() ? outcome.join().resources()
        : cgroup.map(SandboxCgroup::usage).orElseGet(ResourceUsage::unmeasured);
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
  public String name() {
    return name;
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public Limits limits() {
    return limits;
  }

  @Override
  public List<StatusEvent> events() {
    return List.copyOf(events);
  }

  @Override
  public CompletionStage<Boolean> started() {
    return started.copy();
  }

  @Override
  public CompletionStage<Outcome> outcome() {
    return outcome.copy();
  }

  @Override
  public Outcome waitFor() throws InterruptedException {
    try {
      return outcome.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Optional<Outcome> waitFor(Duration max) throws InterruptedException {
    try {
      return Optional.of(outcome.get(max.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Outcome stop(Duration grace) throws InterruptedException {
    signal(LibC.SIGTERM);
    if (waitFor(grace).isEmpty()) {
      signal(LibC.SIGKILL);
    }
    return waitFor();
  }
}
