package dev.nemoclaw.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Everything a backend needs to build one sandbox, fully resolved and backend-neutral: no YAML, no
 * defaults left to apply, no relative paths. A plan is a value: {@code run --dry-run} prints it.
 */
public record SandboxPlan(
    String name,
    String hostname,
    List<String> command,
    Map<String, String> env,
    String workdir,
    int uid,
    int gid,
    RootFs root,
    List<Mount> mounts,
    List<Tmpfs> tmpfs,
    Resources resources,
    Security security,
    Network network) {

  public SandboxPlan {
    command = List.copyOf(command);
    env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
    mounts = List.copyOf(mounts);
    tmpfs = List.copyOf(tmpfs);
  }

  /** The root filesystem. */
  public sealed interface RootFs {
    /** The host's system directories, bound read-only; homes and data hidden. */
    record Host(List<String> binds) implements RootFs {
      public Host {
        binds = List.copyOf(binds);
      }
    }

    /** A directory holding a root filesystem, bound read-only. */
    record Dir(Path path) implements RootFs {}

    /** An image of the container engine, by reference ({@code NAME:TAG}); backend docker only. */
    record Image(String reference) implements RootFs {}
  }

  /** A bind mount from the host; {@code source} is absolute, symlink-free and exists. */
  public record Mount(Path source, String target, boolean writable) {}

  public record Tmpfs(String target, long sizeBytes) {}

  public record Resources(
      long memoryBytes, OptionalDouble cpus, int pids, Optional<Duration> timeout) {}

  public enum LandlockMode { REQUIRED, BEST_EFFORT, OFF }

  /** {@code seccompProfile}: the resolved OCI/Docker JSON profile file. */
  public record Security(Path seccompProfile, LandlockMode landlock, boolean allowRoot) {}

  public enum NetworkMode { PROXY, NONE }

  public record Network(NetworkMode mode, int proxyPort) {}
}
