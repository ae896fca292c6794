package dev.nemoclaw.sandbox.docker;

import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the engine is asked to build for one plan: a value, so it can be tested and printed
 * without an engine. The same guarantees as the native backend, each from the engine where it
 * can give it: read-only root, the plan's user, no capabilities, no-new-privileges, the plan's
 * seccomp profile (a first layer: the init installs the final one), network none, tmpfs and
 * mounts, memory/pids/cpu limits; our init as the entrypoint, read-only.
 *
 * @param image the engine image: {@link #EMPTY_IMAGE} for host and directory roots
 * @param binds host path → container path, read-only unless {@code writable}
 * @param tmpfs container path → mount options
 */
public record ContainerRequest(
    String containerName,
    String image,
    List<String> entrypoint,
    String user,
    String workdir,
    String hostname,
    List<Bind> binds,
    Map<String, String> tmpfs,
    long memoryBytes,
    long nanoCpus,
    long pidsLimit,
    String seccompJson,
    Map<String, String> labels,
    boolean tty,
    boolean stdin) {

  /** An image with no files at all, made locally by {@code docker import} of an empty tar. */
  public static final String EMPTY_IMAGE = "nemoclaw/empty:1";
  /** Where the init is bound in the container; never on the agent's PATH. */
  public static final String INIT_PATH = "/run/nemoclaw/init";
  /** Where the run's socket directory is bound; the socket is gone once the init connected. */
  public static final String SOCKET_DIR = "/run/nemoclaw/supervisor";
  public static final String SOCKET_NAME = "init.sock";
  public static final String LABEL_SANDBOX = "dev.nemoclaw.sandbox";
  public static final String LABEL_SUPERVISOR = "dev.nemoclaw.supervisor";

  public record Bind(Path source, String target, boolean writable) {}

  /**
   * What the engine mounts itself in every container, and /run, where our init and socket are
   * bound (an image's /run holds only what a booted system leaves there).
   */
  private static final java.util.Set<String> ENGINE_OWNED =
      java.util.Set.of("proc", "dev", "sys", "run");

  public ContainerRequest {
    entrypoint = List.copyOf(entrypoint);
    binds = List.copyOf(binds);
    tmpfs = Map.copyOf(tmpfs);
    labels = Map.copyOf(labels);
  }

  /**
   * The request for {@code plan}. {@code root}: the binds that make its root filesystem (host
   * system directories, or a directory's top-level entries), from {@link #rootBinds}.
   */
  public static ContainerRequest of(SandboxPlan plan, String containerName, String image,
      List<Bind> root, Path init, Path socketDir, String seccompJson, Map<String, String> labels,
      boolean tty, boolean stdin) {
    // a root entry that a tmpfs or a mount of the plan covers is theirs (an image's empty /tmp)
    java.util.Set<String> covered = new java.util.HashSet<>();
    plan.tmpfs().forEach(t -> covered.add(t.target()));
    plan.mounts().forEach(m -> covered.add(m.target()));
    List<Bind> binds = new ArrayList<>(root.stream()
        .filter(b -> !covered.contains(b.target())).toList());
    binds.add(new Bind(init, INIT_PATH, false));
    binds.add(new Bind(socketDir, SOCKET_DIR, false));
    for (SandboxPlan.Mount m : plan.mounts()) {
      binds.add(new Bind(m.source(), m.target(), m.writable()));
    }
    Map<String, String> tmpfs = new LinkedHashMap<>();
    for (SandboxPlan.Tmpfs t : plan.tmpfs()) {
      tmpfs.put(t.target(), "rw,nosuid,nodev,size=" + t.sizeBytes());
    }
    SandboxPlan.Resources r = plan.resources();
    long nanoCpus = r.cpus().isPresent() ? Math.round(r.cpus().getAsDouble() * 1e9) : 0;
    return new ContainerRequest(containerName, image,
        List.of(INIT_PATH, "--container", SOCKET_DIR + "/" + SOCKET_NAME),
        plan.uid() + ":" + plan.gid(), plan.workdir(), plan.hostname(), binds, tmpfs,
        r.memoryBytes(), nanoCpus, r.pids(), seccompJson, labels, tty, stdin);
  }

  /** The host's system directories (the plan lists only those that exist), read-only. */
  public static List<Bind> hostBinds(List<String> dirs) {
    return dirs.stream().map(d -> new Bind(Path.of(d), d, false)).toList();
  }

  /**
   * A root directory as binds of its top-level entries (the engine cannot bind over its own
   * root): each read-only at {@code /NAME}. Symbolic links at the top level ({@code bin ->
   * usr/bin}) are bound as what they point to inside the directory; ones leading out of it are
   * refused.
   */
  public static List<Bind> dirBinds(Path dir) throws IOException {
    Path real = dir.toRealPath();
    List<Bind> out = new ArrayList<>();
    try (Stream<Path> entries = Files.list(real)) {
      for (Path e : entries.sorted().toList()) {
        if (ENGINE_OWNED.contains(e.getFileName().toString())) {
          continue;
        }
        Path target = e.toRealPath();
        if (!target.startsWith(real)) {
          throw new IOException(e + " leads out of the image directory (" + target + ")");
        }
        out.add(new Bind(target, "/" + e.getFileName(), false));
      }
    }
    return out;
  }
}
