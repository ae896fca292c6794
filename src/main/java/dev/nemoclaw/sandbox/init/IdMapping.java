package dev.nemoclaw.sandbox.init;

import dev.nemoclaw.sandbox.SandboxPlan;

/**
 * The host ids the sandbox's single inside uid/gid map to. Unprivileged, the kernel only lets us
 * map our own ids. As root we map the inside id to the same number outside, so files the agent
 * writes to rw mounts belong to a plain host user, and never to host root: an inside 0 (only with
 * {@code allowRoot}) becomes 65534, nobody.
 */
public record IdMapping(int hostUid, int hostGid) {
  static final int NOBODY = 65534;

  public IdMapping {
    if (hostUid == 0 || hostGid == 0) {
      throw new IllegalArgumentException("the sandbox must never map to host root");
    }
  }

  public static IdMapping forCaller(SandboxPlan plan, int callerUid, int callerGid) {
    if ((plan.uid() == 0 || plan.gid() == 0) && !plan.security().allowRoot()) {
      throw new IllegalArgumentException(
          "uid/gid 0 inside the sandbox needs security.allowRoot: true");
    }
    if (plan.uid() < 0 || plan.gid() < 0) {
      throw new IllegalArgumentException("negative uid/gid in the plan");
    }
    if (callerUid != 0) {
      return new IdMapping(callerUid, callerGid == 0 ? NOBODY : callerGid);
    }
    return new IdMapping(plan.uid() == 0 ? NOBODY : plan.uid(),
        plan.gid() == 0 ? NOBODY : plan.gid());
  }
}
