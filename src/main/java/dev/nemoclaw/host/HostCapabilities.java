package dev.nemoclaw.host;

import java.util.List;
import java.util.Optional;

/**
 * What this host supports for sandboxes, as found by {@link HostProbe}: typed facts for code that
 * decides (which protections {@code run} can apply) and the per-check findings for people.
 *
 * <p>A check that failed or timed out leaves its facts at the "absent" value (false, 0, NONE), so
 * callers never mistake an unknown for a yes.
 *
 * @param landlockAbi the Landlock ABI version, 0 when Landlock is unusable
 * @param seccompAvailable seccomp filter mode (BPF) is available
 * @param cgroupCreatable this user can create a cgroup where nemoclaw would put the sandbox
 * @param nestedIn the container runtime around this host (docker, podman, lxc, ...), if any
 */
public record HostCapabilities(
    HostInfo host,
    List<Finding> checks,
    boolean usernsAvailable,
    int landlockAbi,
    boolean seccompAvailable,
    CgroupMode cgroupMode,
    boolean cgroupCreatable,
    boolean dockerReachable,
    Optional<String> nestedIn) {

  public HostCapabilities {
    checks = List.copyOf(checks);
  }

  public boolean nested() {
    return nestedIn.isPresent();
  }

  public Optional<Finding> check(String id) {
    return checks.stream().filter(f -> f.id().equals(id)).findFirst();
  }

  /** Landlock can filter TCP bind/connect (ABI 4, Linux 6.7). */
  public boolean landlockNetwork() {
    return landlockAbi >= 4;
  }

  /** Landlock can scope signals and abstract unix sockets (ABI 6, Linux 6.12). */
  public boolean landlockScoping() {
    return landlockAbi >= 6;
  }

  public Summary summary() {
    Summary.Sandbox sandbox = !usernsAvailable ? Summary.Sandbox.UNAVAILABLE
        : landlockAbi == 0 || !seccompAvailable ? Summary.Sandbox.DEGRADED
        : Summary.Sandbox.FULL;
    return new Summary(sandbox, cgroupCreatable);
  }
}
