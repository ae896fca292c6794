package dev.nemoclaw.sandbox.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.seccomp.CompareOp;
import dev.nemoclaw.sandbox.seccomp.SeccompAction;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PlanEncoderTest {
  private static SandboxPlan small(Map<String, String> env, SandboxPlan.NetworkMode net) {
    return new SandboxPlan("a", "h", List.of("sh"), env, "/w", 1000, 1000,
        new SandboxPlan.RootFs.Host(List.of("/usr")), List.of(), List.of(),
        new SandboxPlan.Resources(1 << 20, OptionalDouble.empty(), 8, Optional.empty()),
        new SandboxPlan.Security(Path.of("/p.json"), SandboxPlan.LandlockMode.OFF, false),
        new SandboxPlan.Network(net, 3128));
  }

  private static InitPlan bare(SandboxPlan p) {
    return new InitPlan(p, new IdMapping(1000, 1000), List.of(), Optional.empty(), List.of(),
        false);
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
  }

  @Test
  void encodesASmallPlanByteForByte() {
    byte[] body = hex("""
        0100 01000000 61
        0200 01000000 68
        0300 02000000 7368
        0500 02000000 2f77
        0600 04000000 e8030000
        0700 04000000 e8030000
        0800 04000000 e8030000
        0900 04000000 e8030000
        0a00 04000000 2f757372
        1400 01000000 00
        1e00 01000000 00
        ffff 00000000
        """);
    byte[] expected = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN)
        .put("NCPLAN01".getBytes()).putInt(body.length).put(body).array();
    assertArrayEquals(expected,
        PlanEncoder.encode(bare(small(Map.of(), SandboxPlan.NetworkMode.NONE))));
  }

  @Test
  void encodesMountsTmpfsSeccompProxyCgroupsAndRlimits() {
    SandboxPlan p = small(Map.of("B", "2", "A", "1"), SandboxPlan.NetworkMode.PROXY);
    p = new SandboxPlan(p.name(), p.hostname(), p.command(), p.env(), p.workdir(), p.uid(),
        p.gid(), new SandboxPlan.RootFs.Dir(Path.of("/r")),
        List.of(new SandboxPlan.Mount(Path.of("/s"), "/t", true)),
        List.of(new SandboxPlan.Tmpfs("/tmp", 4096)), p.resources(),
        new SandboxPlan.Security(Path.of("/p.json"), SandboxPlan.LandlockMode.REQUIRED, false),
        p.network());
    SeccompFilter f = new SeccompFilter(SeccompAction.ERRNO, 1, List.of("x86_64"), List.of(
        new SeccompFilter.Rule("clone", SeccompAction.ALLOW, 0, List.of(
            new SeccompFilter.ArgCondition(0, CompareOp.MASKED_EQ, 0x7e020000L, 0)))));
    byte[] out = PlanEncoder.encode(new InitPlan(p, new IdMapping(1000, 1000),
        List.of(Path.of("/c")), Optional.of(f),
        List.of(new Rlimit(Rlimit.RLIMIT_NOFILE, 1024, 4096)), true));
    List<byte[]> recs = records(out);
    assertEquals("ENV A=1", "ENV " + str(find(recs, 4, 0)));
    assertEquals("B=2", str(find(recs, 4, 1)));
    assertArrayEquals(hex("0b00 02000000 2f72"), find(recs, 11, 0));
    assertArrayEquals(hex("0c00 09000000 01 02000000 2f73 2f74"), find(recs, 12, 0));
    assertArrayEquals(hex("0d00 0c000000 0010000000000000 2f746d70"), find(recs, 13, 0));
    assertArrayEquals(hex("1400 01000000 02"), find(recs, 20, 0));
    assertArrayEquals(hex("1500 08000000 01000000 01000000"), find(recs, 21, 0));
    assertArrayEquals(hex("1600 06000000 7838365f3634"), find(recs, 22, 0));
    assertArrayEquals(hex("1700 20000000 00000000 00000000 01 00 07 0000027e00000000"
        + " 0000000000000000 636c6f6e65"), find(recs, 23, 0));
    assertArrayEquals(hex("1e00 01000000 01"), find(recs, 30, 0));
    assertArrayEquals(hex("1f00 02000000 380c"), find(recs, 31, 0));
    assertArrayEquals(hex("2000 04000000 05000000"), find(recs, 32, 0));
    assertArrayEquals(hex("2800 02000000 2f63"), find(recs, 40, 0));
    assertArrayEquals(hex("2900 14000000 07000000 0004000000000000 0010000000000000"),
        find(recs, 41, 0));
    assertArrayEquals(hex("3200 01000000 01"), find(recs, 50, 0));
    assertArrayEquals(hex("ffff 00000000"), recs.getLast());
  }

  @Test
  void refusesAPlanOverOneMebibyte() {
    StringBuilder big = new StringBuilder("x".repeat(4000));
    Map<String, String> env = new java.util.HashMap<>();
    for (int i = 0; i < 300; i++) {
      env.put("V" + i, big.toString());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PlanEncoder.encode(bare(small(env, SandboxPlan.NetworkMode.NONE))));
    assertTrue(e.getMessage().contains("1 MiB"), e.getMessage());
  }

  @Test
  void refusesWhatTheInitWouldRefuse() {
    Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i <= PlanEncoder.MAX_REPEAT; i++) {
      many.put("V" + i, "");
    }
    assertThrows(IllegalArgumentException.class,
        () -> PlanEncoder.encode(bare(small(many, SandboxPlan.NetworkMode.NONE))));
    assertThrows(IllegalArgumentException.class, () -> PlanEncoder.encode(
        bare(small(Map.of("A", "x\0y"), SandboxPlan.NetworkMode.NONE))));
    SandboxPlan p = small(Map.of(), SandboxPlan.NetworkMode.NONE);
    SandboxPlan relative = new SandboxPlan(p.name(), p.hostname(), p.command(), p.env(),
        "w", p.uid(), p.gid(), p.root(), p.mounts(), p.tmpfs(), p.resources(), p.security(),
        p.network());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PlanEncoder.encode(bare(relative)));
    assertTrue(e.getMessage().startsWith("workdir"), e.getMessage());
  }

  @Test
  void hostIdsNeverMapToRoot() {
    SandboxPlan p = small(Map.of(), SandboxPlan.NetworkMode.NONE);
    assertEquals(new IdMapping(1234, 1234), IdMapping.forCaller(p, 1234, 1234));
    assertEquals(new IdMapping(1000, 1000), IdMapping.forCaller(p, 0, 0));
    SandboxPlan rootInside = new SandboxPlan(p.name(), p.hostname(), p.command(), p.env(),
        p.workdir(), 0, 0, p.root(), p.mounts(), p.tmpfs(), p.resources(),
        new SandboxPlan.Security(Path.of("/p"), SandboxPlan.LandlockMode.OFF, true), p.network());
    assertEquals(new IdMapping(65534, 65534), IdMapping.forCaller(rootInside, 0, 0));
    assertEquals(new IdMapping(1234, 1234), IdMapping.forCaller(rootInside, 1234, 1234));
    SandboxPlan refused = new SandboxPlan(p.name(), p.hostname(), p.command(), p.env(),
        p.workdir(), 0, 0, p.root(), p.mounts(), p.tmpfs(), p.resources(), p.security(),
        p.network());
    assertThrows(IllegalArgumentException.class, () -> IdMapping.forCaller(refused, 0, 0));
  }

  /** Splits an encoded plan into its raw records (tag + length + value), checking the frame. */
  static List<byte[]> records(byte[] plan) {
    ByteBuffer b = ByteBuffer.wrap(plan).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[8];
    b.get(magic);
    assertEquals("NCPLAN01", new String(magic));
    assertEquals(plan.length - 12, b.getInt());
    List<byte[]> out = new ArrayList<>();
    while (b.hasRemaining()) {
      int start = b.position();
      b.getShort();
      int len = b.getInt();
      b.position(b.position() + len);
      byte[] rec = new byte[6 + len];
      System.arraycopy(plan, start, rec, 0, rec.length);
      out.add(rec);
    }
    return out;
  }

  private static byte[] find(List<byte[]> recs, int tag, int nth) {
    return recs.stream()
        .filter(r -> ((r[0] & 0xff) | (r[1] & 0xff) << 8) == tag)
        .skip(nth).findFirst().orElseThrow(() -> new AssertionError("no record " + tag));
  }

  private static String str(byte[] rec) {
    return new String(rec, 6, rec.length - 6);
  }
}
