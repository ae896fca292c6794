package dev.nemoclaw.sandbox.init;


import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.SandboxPlan.Mount;
import dev.nemoclaw.sandbox.SandboxPlan.RootFs;
import dev.nemoclaw.sandbox.SandboxPlan.Tmpfs;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.ArgCondition;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Encodes an {@link InitPlan} in the format of {@code native/landlock-helper/PLAN.md} (version 1).
 * It refuses here whatever the init would refuse, so a bad plan fails with a Java message naming
 * the field instead of a terse {@code fail plan:} line.
 */
public final class PlanEncoder {
  static final byte[] MAGIC = "NCPLAN01".getBytes(StandardCharsets.US_ASCII);
  public static final int MAX_BODY = 1 << 20;
  public static final int MAX_REPEAT = 4096;

  static final int NAME = 1;
  static final int HOSTNAME = 2;
  static final int ARGV = 3;
  static final int ENV = 4;
  static final int WORKDIR = 5;
  static final int UID = 6;
  static final int GID = 7;
  static final int HOST_UID = 8;
  static final int HOST_GID = 9;
  static final int ROOT_HOST_BIND = 10;
  static final int ROOT_DIR = 11;
  static final int MOUNT = 12;
  static final int TMPFS = 13;
  static final int LANDLOCK = 20;
  static final int SECCOMP_DEFAULT = 21;
  static final int SECCOMP_ARCH = 22;
  static final int SECCOMP_RULE = 23;
  static final int NET_MODE = 30;
  static final int PROXY_PORT = 31;
  static final int PROXY_FD = 32;
  static final int CGROUP_PROCS = 40;
  static final int RLIMIT = 41;
  static final int PTY = 50;
  static final int CONTAINER = 60;
  /** Where the native init finds its end of the bridge socketpair (PROXY_FD). */
  public static final int BRIDGE_FD = 5;
  static final int END = 0xffff;

  private PlanEncoder() {}

  /** @throws IllegalArgumentException naming the field the init would reject, or the size */
  public static byte[] encode(InitPlan ip) {
    Body b = new Body();
    SandboxPlan p = ip.plan();
    b.string(NAME, nonEmpty("name", p.name()));
    b.string(HOSTNAME, nonEmpty("hostname", p.hostname()));
    if (p.command().isEmpty()) {
      throw new IllegalArgumentException("command: empty");
    }
    for (String arg : p.command()) {
      b.string(ARGV, arg);
    }
    // sorted: the same plan always encodes to the same bytes
    for (Map.Entry<String, String> e : new TreeMap<>(p.env()).entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0) {
        throw new IllegalArgumentException("env: invalid variable name \"" + e.getKey() + "\"");
      }
      b.string(ENV, e.getKey() + "=" + e.getValue());
    }
    b.string(WORKDIR, absolute("workdir", p.workdir()));
    b.u32(UID, p.uid());
    b.u32(GID, p.gid());
    b.u32(HOST_UID, ip.ids().hostUid());
    b.u32(HOST_GID, ip.ids().hostGid());
    if (!ip.container()) { // in a container the engine built the root
      switch (p.root()) {
        case RootFs.Host h -> {
          for (String bind : h.binds()) {
            b.string(ROOT_HOST_BIND, absolute("root bind", bind));
          }
        }
        case RootFs.Dir d -> b.string(ROOT_DIR, absolute("root dir", d.path()));
        case RootFs.Image i -> throw new IllegalArgumentException("image " + i.reference()
            + " lives in the container engine: it needs backend docker");
      }
    }
    for (Mount m : p.mounts()) {
      byte[] src = utf8(absolute("mount source", m.source()));
      byte[] dst = utf8(absolute("mount target", m.target()));
      ByteBuffer v = le(1 + 4 + src.length + dst.length);
      v.put((byte) (m.writable() ? 1 : 0)).putInt(src.length).put(src).put(dst);
      b.record(MOUNT, v.array());
    }
    for (Tmpfs t : p.tmpfs()) {
      byte[] dst = utf8(absolute("tmpfs target", t.target()));
      if (t.sizeBytes() <= 0) {
        throw new IllegalArgumentException("tmpfs " + t.target() + ": size must be > 0");
      }
      b.record(TMPFS, le(8 + dst.length).putLong(t.sizeBytes()).put(dst).array());
    }
    b.u8(LANDLOCK, switch (p.security().landlock()) {
      case OFF -> 0;
      case BEST_EFFORT -> 1;
      case REQUIRED -> 2;
    });
    ip.seccomp().ifPresent(f -> seccomp(b, f));
    switch (p.network().mode()) {
      case NONE -> b.u8(NET_MODE, 0);
      case PROXY -> {
        b.u8(NET_MODE, 1);
        int port = p.network().proxyPort();
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("proxy port out of range: " + port);
        }
        b.record(PROXY_PORT, le(2).putShort((short) port).array());
        if (!ip.container()) {
          b.u32(PROXY_FD, BRIDGE_FD);
        }
      }
    }
    for (Path procs : ip.cgroupProcs()) {
      b.string(CGROUP_PROCS, absolute("cgroup.procs", procs));
    }
    for (Rlimit r : ip.rlimits()) {
      b.record(RLIMIT, le(20).putInt(r.resource()).putLong(r.soft()).putLong(r.hard()).array());
    }
    if (ip.pty()) {
      b.u8(PTY, 1);
    }
    if (ip.container()) {
      b.u8(CONTAINER, 1);
    }
    b.record(END, new byte[0]);
    byte[] body = b.out.toByteArray();
    if (body.length > MAX_BODY) {
      throw new IllegalArgumentException("the plan is " + body.length
          + " bytes, over the init's limit of " + MAX_BODY + " (1 MiB): too many env, mounts or"
          + " seccomp rules");
    }
    ByteBuffer out = le(MAGIC.length + 4 + body.length);
    return out.put(MAGIC).putInt(body.length).put(body).array();
  }

  private static void seccomp(Body b, SeccompFilter f) {
    b.record(SECCOMP_DEFAULT,
        le(8).putInt(f.defaultAction().code).putInt(f.defaultErrno()).array());
    for (String arch : f.arches()) {
      b.string(SECCOMP_ARCH, arch);
    }
    for (SeccompFilter.Rule r : f.rules()) {
      byte[] name = utf8(nonEmpty("seccomp syscall", r.syscall()));
      ByteBuffer v = le(4 + 4 + 1 + r.args().size() * 18 + name.length);
      v.putInt(r.action().code).putInt(r.errno()).put((byte) r.args().size());
      for (ArgCondition a : r.args()) {
        v.put((byte) a.index()).put((byte) a.op().code).putLong(a.value()).putLong(a.valueTwo());
      }
      b.record(SECCOMP_RULE, v.put(name).array());
    }
  }

  private static String nonEmpty(String what, String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException(what + ": empty");
    }
    return s;
  }

  private static String absolute(String what, Path p) {
    return absolute(what, p.toString());
  }

  private static String absolute(String what, String s) {
    if (!s.startsWith("/")) {
      throw new IllegalArgumentException(what + ": not an absolute path: " + s);
    }
    return s;
  }

  private static byte[] utf8(String s) {
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a plan string holds NUL: " + s.replace('\0', '@'));
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The growing record area, with the per-tag repeat count the init enforces. */
  private static final class Body {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    final Map<Integer, Integer> counts = new HashMap<>();

    void record(int tag, byte[] value) {
      if (counts.merge(tag, 1, Integer::sum) > MAX_REPEAT) {
        throw new IllegalArgumentException("more than " + MAX_REPEAT + " plan records of tag "
            + tag + " (too many env, mounts or seccomp rules)");
      }
      if (out.size() + 6L + value.length > MAX_BODY + 6L) {
        throw new IllegalArgumentException("the plan is over the init's limit of " + MAX_BODY
            + " bytes (1 MiB): too many env, mounts or seccomp rules");
      }
      out.writeBytes(le(6).putShort((short) tag).putInt(value.length).array());
      out.writeBytes(value);
    }

    void string(int tag, String s) {
      record(tag, utf8(s));
    }

    void u8(int tag, int v) {
      record(tag, new byte[] {(byte) v});
    }

    void u32(int tag, int v) {
      record(tag, le(4).putInt(v).array());
    }
  }
}
