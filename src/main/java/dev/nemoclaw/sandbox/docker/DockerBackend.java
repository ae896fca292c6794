package dev.nemoclaw.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.host.Install;
import dev.nemoclaw.sandbox.Backend;
import dev.nemoclaw.sandbox.LaunchOptions;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.init.IdMapping;
import dev.nemoclaw.sandbox.init.InitPlan;
import dev.nemoclaw.sandbox.init.PlanEncoder;
import dev.nemoclaw.sandbox.seccomp.SeccompCache;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import dev.nemoclaw.sandbox.seccomp.SeccompProfile;
import dev.nemoclaw.sandbox.seccomp.SeccompProfileException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Docker backend: the same plan as a container the engine builds, with our init as its
 * entrypoint (container mode), so Landlock, the final seccomp layer, the bridge, peer identity and
 * reaping stay ours. Every container carries labels naming its sandbox and its supervisor; one
 * whose supervisor is gone is removed by the next run's sweep.
 */
public final class DockerBackend implements Backend {
  private final Map<String, String> env;
  private final HostDirs dirs;
  private final SeccompCache seccomp;

  public DockerBackend(Map<String, String> env, HostDirs dirs, SeccompCache seccomp) {
    this.env = env;
    this.dirs = dirs;
    this.seccomp = seccomp;
  }

  /** For this machine, with the engine at DOCKER_HOST or the default socket. */
  public static DockerBackend forThisHost() {
    HostDirs dirs = HostDirs.fromEnvironment();
    return new DockerBackend(System.getenv(), dirs, new SeccompCache(
        dirs.state().resolve("seccomp"), SeccompProfile.Host.current()));
  }

  @Override
  public String name() {
    return "docker";
  }

  /** No user namespace: the engine maps no ids (uid 0 is refused instead, see {@link #start}). */
  @Override
  public List<String> namespaces() {
    return List.of("pid", "mount", "net", "uts", "ipc", "cgroup");
  }

  @Override
  public SandboxHandle start(SandboxPlan plan, Install install, LaunchOptions options)
      throws SandboxException {
    if (plan.uid() == 0 || plan.gid() == 0) {
      throw new SandboxException("plan", "user 0 is not available on backend docker: without"
          + " user-namespace remapping the container's root is the host's root; use a non-root"
          + " user or --backend native");
    }
    SeccompFilter filter;
    String seccompJson;
    try {
      filter = seccomp.load(plan.security().seccompProfile());
      seccompJson = Files.readString(plan.security().seccompProfile());
    } catch (SeccompProfileException e) {
      throw new SandboxException("seccomp", e.getMessage(), e);
    } catch (IOException e) {
      throw new SandboxException("seccomp", "read " + plan.security().seccompProfile() + ": "
          + e.getMessage(), e);
    }
    byte[] bytes;
    try {
      bytes = PlanEncoder.encode(new InitPlan(plan, new IdMapping(plan.uid(), plan.gid()),
          List.of(), Optional.of(filter), List.of(), options.terminal(), true));
    } catch (IllegalArgumentException e) {
      throw new SandboxException("plan", e.getMessage(), e);
    }
    DockerClient docker = DockerEngine.connect(env);
    Optional<TerminalRelay> terminal = Optional.empty();
    Path runDir = null;
    try {
      // what crashed runs left is no business of this one's start: swept beside it
      Thread.ofVirtual().name("nemoclaw-docker-sweep").start(() -> sweep(docker, dirs));
      String image;
      List<ContainerRequest.Bind> root;
      switch (plan.root()) {
        case SandboxPlan.RootFs.Host h -> {
          image = emptyImage(docker);
          root = ContainerRequest.hostBinds(h.binds());
        }
        case SandboxPlan.RootFs.Dir d -> {
          image = emptyImage(docker);
          root = ContainerRequest.dirBinds(d.path());
        }
        case SandboxPlan.RootFs.Image i -> {
          image = i.reference(); // planning found it in the engine (or pulled it: --pull)
          root = List.of();
        }
      }
      String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
      runDir = runDirs(dirs).resolve(ProcessHandle.current().pid() + "-" + suffix);
      Files.createDirectories(runDir.getParent());
      Files.createDirectory(runDir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      if (options.terminal()) {
        terminal = Optional.of(TerminalRelay.open());
      }
      ContainerRequest request = ContainerRequest.of(plan, "nemoclaw-" + plan.name() + "-"
          + suffix, image, root, install.init(), runDir.resolve("sock"), seccompJson,
          Map.of(ContainerRequest.LABEL_SANDBOX, plan.name(),
              ContainerRequest.LABEL_SUPERVISOR, Owner.current().label()),
          options.terminal(), !options.headless());
      DockerSandbox sandbox = new DockerSandbox(docker, request, bytes, runDir,
          new Limits.Enforced("docker", request.containerName(), List.of()),
          plan.resources().timeout(), options, terminal);
      sandbox.launch();
      return sandbox;
    } catch (IOException | DockerException e) {
      terminal.ifPresent(TerminalRelay::close);
      if (runDir != null) {
        DockerSandbox.deleteTree(runDir);
      }
      closeQuietly(docker);
      throw new SandboxException("docker", DockerSandbox.message(e), e);
    } catch (SandboxException e) {
      closeQuietly(docker); // launch() cleaned up the rest
      if (plan.root() instanceof SandboxPlan.RootFs.Dir d
          && e.getMessage().contains("read-only file system")) {
        throw new SandboxException("docker", e.getMessage() + "; the engine mounts over "
            + "/etc/hostname, /etc/hosts and /etc/resolv.conf: create them (empty) in " + d.path(),
            e);
      }
      throw e;
    }
  }

  static Path runDirs(HostDirs dirs) {
    return dirs.state().resolve("docker");
  }

  /** An image without any file, made here once (never pulled). */
  static String emptyImage(DockerClient docker) {
    try {
      docker.inspectImageCmd(ContainerRequest.EMPTY_IMAGE).exec();
    } catch (NotFoundException e) {
      String[] repoTag = ContainerRequest.EMPTY_IMAGE.split(":");
      // an empty tar: two zero blocks
      docker.createImageCmd(repoTag[0], new ByteArrayInputStream(new byte[1024]))
          .withTag(repoTag[1]).exec();
    }
    return ContainerRequest.EMPTY_IMAGE;
  }


  /**
   * Removes containers whose supervisor is gone (killed, crashed, the machine rebooted) and their
   * run directories. Only this machine's containers are touched: the label names it.
   */
  static void sweep(DockerClient docker, HostDirs dirs) {
    Owner me = Owner.current();
    List<Container> ours;
    try {
      ours = docker.listContainersCmd().withShowAll(true)
          .withLabelFilter(List.of(ContainerRequest.LABEL_SUPERVISOR)).exec();
    } catch (RuntimeException e) {
      return; // the run itself says what is wrong with the engine
    }
    for (Container c : ours) {
      Optional<Owner> owner = Owner.parse(c.getLabels().get(ContainerRequest.LABEL_SUPERVISOR));
      if (owner.isPresent() && owner.get().deadOn(me)) {
        try {
          docker.removeContainerCmd(c.getId()).withForce(true).exec();
        } catch (RuntimeException e) {
          // removed meanwhile, the engine refuses, or the run ended first: the next sweep
        }
      }
    }
    Path runs = runDirs(dirs);
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (var entries = Files.list(runs)) {
      for (Path p : entries.toList()) {
        String n = p.getFileName().toString();
        int dash = n.indexOf('-');
        long pid = dash > 0 ? parseLong(n.substring(0, dash)) : -1;
        if (pid > 0 && ProcessHandle.of(pid).isEmpty()) {
          DockerSandbox.deleteTree(p);
        }
      }
    } catch (IOException e) {
      // the next sweep
    }
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void closeQuietly(DockerClient docker) {
    try {
      docker.close();
    } catch (IOException e) {
      // nothing more to say to the engine
    }
  }

  /** Who runs a container: machine, boot and supervisor pid (the supervisor label's value). */
  record Owner(String machine, String boot, long pid) {
    static Owner current() {
      return new Owner(read(Path.of("/etc/machine-id")),
          read(Path.of("/proc/sys/kernel/random/boot_id")), ProcessHandle.current().pid());
    }

    String label() {
      return machine + "/" + boot + "/" + pid;
    }

    static Optional<Owner> parse(String label) {
      if (label == null) {
        return Optional.empty();
      }
      String[] p = label.split("/");
      if (p.length != 3 || parseLong(p[2]) <= 0) {
        return Optional.empty();
      }
      return Optional.of(new Owner(p[0], p[1], parseLong(p[2])));
    }

    /** Whether this owner, seen from {@code me} on the same machine, is no longer running. */
    boolean deadOn(Owner me) {
      if (!machine.equals(me.machine) || machine.isEmpty()) {
        return false; // another machine's engine client: not ours to judge
      }
      return !boot.equals(me.boot) || (pid != me.pid && ProcessHandle.of(pid).isEmpty());
    }

    private static String read(Path p) {
      try {
        return Files.readString(p).strip();
      } catch (IOException e) {
        return "";
      }
    }
  }
}
