package dev.nemoclaw.sandbox.seccomp;

/** What the filter does to a matching syscall; {@code code} is the plan's wire value (PLAN.md). */
public enum SeccompAction {
  ALLOW(0),
  ERRNO(1),
  KILL_PROCESS(2),
  TRAP(3),
  LOG(4),
  KILL_THREAD(5);

  public final int code;

  SeccompAction(int code) {
    this.code = code;
  }
}
