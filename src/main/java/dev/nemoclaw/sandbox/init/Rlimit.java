package dev.nemoclaw.sandbox.init;

/** A resource limit for the agent ({@code RLIMIT_*} number, as in {@code <sys/resource.h>}). */
public record Rlimit(int resource, long soft, long hard) {
  public static final int RLIMIT_NOFILE = 7;
  public static final long INFINITY = -1L;
}
