package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MountsTest {
  static final String V2 = """
      25 30 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
      29 1 0:26 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
      35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;
  static final String V1 = """
      29 1 0:26 / / rw,relatime - ext4 /dev/sda1 rw
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
      """;
  static final String HYBRID = V1
      + "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

  @Test
  void detectsV2V1AndHybrid() {
    assertEquals(CgroupMode.V2, Checks.cgroupMode(Mounts.parse(V2)));
    assertEquals(CgroupMode.V1, Checks.cgroupMode(Mounts.parse(V1)));
    assertEquals(CgroupMode.HYBRID, Checks.cgroupMode(Mounts.parse(HYBRID)));
    assertEquals(CgroupMode.NONE, Checks.cgroupMode(Mounts.parse("29 1 0:26 / / rw - ext4 x rw")));
  }

  @Test
  void readsControllersFromSuperOptionsAndSkipsOptionalFields() {
    Mounts m = Mounts.parse(V1);
    var cpu = m.ofType("cgroup").stream()
        .filter(x -> x.mountPoint().equals("/sys/fs/cgroup/cpu,cpuacct")).findFirst().orElseThrow();
    assertTrue(cpu.superOptions().containsAll(java.util.List.of("cpu", "cpuacct")));
    assertEquals("cgroup2", Mounts.parse(V2).ofType("cgroup2").getFirst().fsType());
  }

  @Test
  void unescapesOctalAndFindsOverlayRoot() {
    Mounts m = Mounts.parse("""
        29 1 0:26 / / rw - ext4 /dev/sda1 rw
        90 29 0:50 / / rw - overlay overlay rw,lowerdir=/a
        91 90 0:51 / /mnt/my\\040disk rw - ext4 /dev/sdb rw
        garbage line
        """);
    assertEquals("overlay", m.rootMount().orElseThrow().fsType());
    assertEquals("/mnt/my disk", m.all().getLast().mountPoint());
    assertEquals(3, m.all().size());
  }
}
