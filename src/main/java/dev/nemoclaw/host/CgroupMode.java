package dev.nemoclaw.host;

/** Which cgroup hierarchy the host mounts. HYBRID: v1 controllers plus a (usually empty) v2. */
public enum CgroupMode {
  V2,
  V1,
  HYBRID,
  NONE
}
