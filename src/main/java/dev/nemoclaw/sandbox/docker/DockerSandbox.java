package dev.nemoclaw.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.Volume;
import dev.nemoclaw.sandbox.LaunchOptions;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.OutputChunk;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.init.BridgeReceiver;
import dev.nemoclaw.sandbox.init.Fds;
import dev.nemoclaw.sandbox.init.InitRun;
import dev.nemoclaw.sandbox.init.InitSocket;
import dev.nemoclaw.sandbox.init.WaitStatus;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One run on the Docker backend: creates the container, attaches to its output, starts it, hands
 * our init its plan over the init socket, then follows it (status lines, the bridge, stats, OOM
 * events) until it ends, and removes it and the run directory on every path.
 */
final class DockerSandbox extends InitRun {
  private static final Duration CONNECT_WITHIN = Duration.ofSeconds(30);
  private static final int STATUS_POLL_MS = 100;

  private final DockerClient docker;
  private final ContainerRequest request;
  private final byte[] plan;
  private final Path runDir;
  private final Optional<Duration> timeout;
  private final LaunchOptions options;
  private final Optional<TerminalRelay> terminal;
  private final CompletableFuture<Void> outputDone = new CompletableFuture<>();
  private final AtomicLong peakMemory = new AtomicLong(-1);
  private final AtomicLong peakPids = new AtomicLong(-1);
  private final AtomicLong cpuNanos = new AtomicLong(-1);
  private final AtomicLong oomKills = new AtomicLong();
  private volatile String id;
  private volatile long pid = -1;
  private volatile boolean ended;
  /** The engine's word on how the init ended; SIGKILL until it says (it is removed by then). */
  private volatile WaitStatus exitStatus = new WaitStatus.Killed(9);

  DockerSandbox(DockerClient docker, ContainerRequest request, byte[] plan, Path runDir,
      Limits limits, Optional<Duration> timeout, LaunchOptions options,
      Optional<TerminalRelay> terminal) {
    super(request.labels().get(ContainerRequest.LABEL_SANDBOX), limits, options.listener());
    this.docker = docker;
    this.request = request;
    this.plan = plan;
    this.runDir = runDir;
    this.timeout = timeout;
    this.options = options;
    this.terminal = terminal;
  }

  /** Starts the container and gives its init the plan; throws when nothing could start. */
  void launch() throws SandboxException {
    Instant t0 = Instant.now();
    InitSocket listener = null;
    try {
      Path sockets = runDir.resolve("sock");
      Files.createDirectories(sockets);
      // the container's user must reach the socket; the run directory (0700) keeps others out
      Files.setPosixFilePermissions(sockets,
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      listener = InitSocket.listen(sockets.resolve(ContainerRequest.SOCKET_NAME));
      id = create().getId();
      watchOom();
      attach();
      docker.startContainerCmd(id).exec();
      terminal.ifPresent(t -> t.onResize((rows, cols) -> docker.resizeContainerCmd(id)
          .withSize(rows, cols).exec()));
      pid = Optional.ofNullable(docker.inspectContainerCmd(id).exec().getState().getPidLong())
          .orElse(-1L);
      int conn = listener.acceptFrom(pid, CONNECT_WITHIN, () -> !running());
      Fds.writeAll(conn, plan);
      Thread.ofPlatform().name("nemoclaw-docker-" + request.hostname()).daemon(true)
          .start(() -> follow(conn, t0));
    } catch (SandboxException e) {
      abandon();
      throw e;
    } catch (IOException | DockerException e) {
      abandon();
      throw new SandboxException("docker", message(e), e);
    } finally {
      if (listener != null) {
        listener.close();
      }
    }
  }

  private com.github.dockerjava.api.command.CreateContainerResponse create() {
    ContainerRequest r = request;
    HostConfig host = HostConfig.newHostConfig()
        .withBinds(r.binds().stream().map(b -> new Bind(b.source().toString(),
            new Volume(b.target()), b.writable() ? AccessMode.rw : AccessMode.ro)).toList())
        .withTmpFs(r.tmpfs())
        .withReadonlyRootfs(true)
        .withCapDrop(Capability.ALL)
        .withSecurityOpts(List.of("no-new-privileges", "seccomp=" + r.seccompJson()))
        .withNetworkMode("none")
        .withIpcMode("private")
        .withCgroupnsMode("private")
        .withPrivileged(false)
        .withInit(false)
        .withAutoRemove(true)
        .withMemory(r.memoryBytes())
        .withMemorySwap(r.memoryBytes())
        .withPidsLimit(r.pidsLimit());
    if (r.nanoCpus() > 0) {
      host.withNanoCPUs(r.nanoCpus());
    }
    CreateContainerCmd cmd = docker.createContainerCmd(r.image())
        .withName(r.containerName())
        .withEntrypoint(r.entrypoint())
        .withCmd(List.of())
        .withUser(r.user())
        .withWorkingDir(r.workdir())
        .withHostName(r.hostname())
        .withEnv(List.of())
        .withLabels(r.labels())
        .withNetworkDisabled(true)
        .withTty(r.tty())
        .withAttachStdout(true)
        .withAttachStderr(true)
        .withAttachStdin(r.stdin())
        .withStdinOpen(r.stdin())
        .withStdInOnce(r.stdin())
        .withHostConfig(host);
    return cmd.exec();
  }

  /** Counts the engine's OOM events for the container (its cgroup, any process in it). */
  private void watchOom() {
    docker.eventsCmd().withContainerFilter(id).withEventFilter("oom")
        .exec(new ResultCallback.Adapter<Event>() {
          @Override
          public void onNext(Event e) {
            oomKills.incrementAndGet();
          }
        });
  }

  /** The container's output to ours (and the output sink); our stdin or terminal to it. */
  private void attach() throws SandboxException {
    FileOutputStream out = new FileOutputStream(FileDescriptor.out);
    FileOutputStream err = new FileOutputStream(FileDescriptor.err);
    Optional<Consumer<OutputChunk>> sink = options.output();
    boolean ours = !options.headless();
    var cmd = docker.attachContainerCmd(id).withStdOut(true).withStdErr(true)
        .withFollowStream(true).withLogs(true);
    if (request.stdin()) {
      InputStream in = terminal.map(TerminalRelay::input).orElse(System.in);
      cmd = cmd.withStdIn(in);
    }
    var callback = cmd.exec(new ResultCallback.Adapter<Frame>() {
      @Override
      public void onNext(Frame f) {
        boolean isErr = f.getStreamType() == StreamType.STDERR;
        byte[] payload = f.getPayload();
        if (ours) {
          try {
            OutputStream to = isErr ? err : out;
            to.write(payload);
            to.flush();
          } catch (IOException e) {
            // our own output is gone: keep draining the container
          }
        }
        try {
          sink.ifPresent(s -> s.accept(new OutputChunk(isErr, payload)));
        } catch (RuntimeException e) {
          // a failing listener must not stall the container's output
        }
      }

      @Override
      public void onComplete() {
        outputDone.complete(null);
      }

      @Override
      public void onError(Throwable t) {
        outputDone.complete(null);
      }
    });
    try {
      if (!callback.awaitStarted(10, TimeUnit.SECONDS)) {
        throw new SandboxException("docker", "attaching to the container took over 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException("docker", "interrupted while attaching");
    }
  }

  /** The run thread: status lines, the bridge, stats and the timeout until the init ends. */
  private void follow(int conn, Instant t0) {
    var stats = docker.statsCmd(id).exec(new StatsSink());
    Thread timer = Thread.ofVirtual()
        .start(() -> watchTimeout(timeout, options.timeoutGrace()));
    Thread waiter = Thread.ofVirtual().start(this::awaitExit);
    List<Thread> bridges = new CopyOnWriteArrayList<>();
    try {
      try {
        InitSocket.readStatus(conn, this::onLine, fd -> bridges.add(Thread.ofPlatform()
            .name("nemoclaw-bridge-" + request.hostname()).daemon(true)
            .start(() -> BridgeReceiver.receive(fd, options.bridge()))), () -> ended,
            STATUS_POLL_MS);
      } catch (IOException e) {
        note("init socket: " + e.getMessage());
      }
      waiter.join();
      for (Thread b : bridges) {
        b.join(5000);
      }
      outputDone.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      // the output did not end in time: the outcome does not wait for it
    } finally {
      Fds.closeQuietly(conn);
      timer.interrupt();
      closeQuietly(stats);
      terminal.ifPresent(TerminalRelay::close);
      ResourceUsage usage = usage();
      remove();
      finish(exitStatus, usage, request.memoryBytes(), t0);
    }
  }

  private void awaitExit() {
    try {
      int code = docker.waitContainerCmd(id)
          .exec(new com.github.dockerjava.api.command.WaitContainerResultCallback())
          .awaitStatusCode();
      exitStatus = code > 128 && code < 128 + 65 ? new WaitStatus.Killed(code - 128)
          : new WaitStatus.Exited(code);
    } catch (RuntimeException e) {
      // removed already (auto-remove): the status lines tell how it ended
    } finally {
      ended = true;
    }
  }

  /** The engine's stats stream, kept as peaks and totals for ps, term and the report. */
  private final class StatsSink extends ResultCallback.Adapter<Statistics> {
    @Override
    public void onNext(Statistics s) {
      Optional.ofNullable(s.getMemoryStats()).ifPresent(m -> {
        long peak = Math.max(orZero(m.getUsage()), orZero(m.getMaxUsage()));
        peakMemory.accumulateAndGet(peak, Math::max);
      });
      Optional.ofNullable(s.getPidsStats()).map(p -> p.getCurrent())
          .ifPresent(p -> peakPids.accumulateAndGet(p, Math::max));
      Optional.ofNullable(s.getCpuStats()).map(c -> c.getCpuUsage())
          .map(u -> u.getTotalUsage()).ifPresent(cpuNanos::set);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // the stream ends with the container anyway
    }
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  private boolean running() {
    try {
      return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning());
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Nothing started (or it cannot be followed): the container and the run directory go. */
  private void abandon() {
    terminal.ifPresent(TerminalRelay::close);
    remove();
  }

  private void remove() {
    if (id != null) {
      try {
        docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException e) {
        // auto-removed already
      } catch (DockerException e) {
        // the next run's sweep removes it by its label
      }
    }
    deleteTree(runDir);
    try {
      docker.close();
    } catch (IOException e) {
      // nothing more to say to the engine
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // gone already, or the sweep of the next run takes it
    }
  }

  static String message(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    // the engine's JSON error body: keep its message
    int brace = m.indexOf('{');
    if (brace >= 0) {
      try {
        String inner = new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(m.substring(brace)).path("message").asText("");
        if (!inner.isEmpty()) {
          return inner;
        }
      } catch (IOException notJson) {
        // not the engine's body: the whole text says it
      }
    }
    return m.strip();
  }

  @Override
  public void setLimits(SandboxPlan.Resources r) throws IOException {
    try {
      var cmd = docker.updateContainerCmd(id).withMemory(r.memoryBytes())
          .withMemorySwap(r.memoryBytes()).withPidsLimit((long) r.pids());
      if (r.cpus().isPresent()) {
        cmd = cmd.withNanoCPUs(Math.round(r.cpus().getAsDouble() * 1e9));
      }
      cmd.exec();
    } catch (DockerException e) {
      throw new IOException("the engine refused the new limits: " + message(e), e);
    }
  }

  @Override
  public ResourceUsage usage() {
    return usageOr(() -> {
      long mem = peakMemory.get();
      long pids = peakPids.get();
      long cpu = cpuNanos.get();
      return new ResourceUsage(mem < 0 ? OptionalLong.empty() : OptionalLong.of(mem),
          cpu < 0 ? OptionalDouble.empty() : OptionalDouble.of(cpu / 1e9),
          pids < 0 ? OptionalLong.empty() : OptionalLong.of(pids), oomKills.get());
    });
  }

  /** Sends {@code sig} to the container's init (which forwards it to the agent). */
  @Override
  public boolean signal(int sig) {
    if (ended || id == null) {
      return false;
    }
    try {
      docker.killContainerCmd(id).withSignal(String.valueOf(sig)).exec();
      return true;
    } catch (DockerException e) {
      return false;
    }
  }

  @Override
  public long pid() {
    return pid;
  }

}
