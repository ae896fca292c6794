package dev.nemoclaw.sandbox;

import dev.nemoclaw.host.Install;
import java.util.List;

/** Builds sandboxes from plans. One implementation per way of isolating (native, docker). */
public interface Backend {

  /** {@code native} or {@code docker}, as in agent.yaml's {@code backend}. */
  String name();

  /**
   * Starts the plan's sandbox and returns at once; the agent runs until it exits, {@link
   * SandboxHandle#stop} or the plan's timeout. A failure inside the sandbox build is not thrown: it
   * arrives as {@link Outcome.Reason.FailedToStart} from {@link SandboxHandle#waitFor()}.
   *
   * @throws SandboxException when nothing could be started at all (no init binary, bad profile)
   */
  SandboxHandle start(SandboxPlan plan, Install install, LaunchOptions options)
      throws SandboxException;

  /** The namespaces every sandbox of this backend gets, as the run report lists them. */
  default List<String> namespaces() {
    return List.of("user", "pid", "mount", "net", "uts", "ipc", "cgroup");
  }

  /** Removes what runs that died without cleaning up left behind (cgroups, containers). */
  default void sweep() {}

  default SandboxHandle start(SandboxPlan plan, Install install) throws SandboxException {
    return start(plan, install, LaunchOptions.defaults());
  }
}
