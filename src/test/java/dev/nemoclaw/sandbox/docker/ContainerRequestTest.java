package dev.nemoclaw.sandbox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.docker.ContainerRequest.Bind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerRequestTest {
  @TempDir Path tmp;

  static SandboxPlan plan(List<SandboxPlan.Mount> mounts, List<SandboxPlan.Tmpfs> tmpfs) {
    return new SandboxPlan("agent", "agent", List.of("sh"), Map.of("A", "1"), "/sandbox", 1000,
        1000, new SandboxPlan.RootFs.Host(List.of("/usr")), mounts, tmpfs,
        new SandboxPlan.Resources(256L << 20, OptionalDouble.of(1.5), 64,
            Optional.of(Duration.ofMinutes(1))),
        new SandboxPlan.Security(Path.of("/p/default.json"), SandboxPlan.LandlockMode.REQUIRED,
            false),
        new SandboxPlan.Network(SandboxPlan.NetworkMode.PROXY, 3128));
  }

  @Test
  void thePlanBecomesTheEngineRequestWithOurInitAsTheEntrypoint() {
    SandboxPlan p = plan(List.of(new SandboxPlan.Mount(Path.of("/w"), "/sandbox", true)),
        List.of(new SandboxPlan.Tmpfs("/tmp", 1 << 20)));
    ContainerRequest r = ContainerRequest.of(p, "nemoclaw-agent-1", ContainerRequest.EMPTY_IMAGE,
        List.of(new Bind(Path.of("/usr"), "/usr", false)), Path.of("/i/nemoclaw-init"),
        Path.of("/s/sock"), "{}", Map.of(ContainerRequest.LABEL_SANDBOX, "agent"), false, true);
    assertEquals(List.of("/run/nemoclaw/init", "--container", "/run/nemoclaw/supervisor/init.sock"),
        r.entrypoint());
    assertEquals("1000:1000", r.user());
    assertEquals("/sandbox", r.workdir());
    assertEquals(List.of(new Bind(Path.of("/usr"), "/usr", false),
        new Bind(Path.of("/i/nemoclaw-init"), "/run/nemoclaw/init", false),
        new Bind(Path.of("/s/sock"), "/run/nemoclaw/supervisor", false),
        new Bind(Path.of("/w"), "/sandbox", true)), r.binds());
    assertEquals(Map.of("/tmp", "rw,nosuid,nodev,size=1048576"), r.tmpfs());
    assertEquals(256L << 20, r.memoryBytes());
    assertEquals(1_500_000_000L, r.nanoCpus());
    assertEquals(64, r.pidsLimit());
  }

  @Test
  void aRootEntryThatATmpfsOrAMountTakesIsNotBound() {
    SandboxPlan p = plan(List.of(new SandboxPlan.Mount(Path.of("/w"), "/sandbox", true)),
        List.of(new SandboxPlan.Tmpfs("/tmp", 1 << 20)));
    ContainerRequest r = ContainerRequest.of(p, "c", "img",
        List.of(new Bind(Path.of("/img/tmp"), "/tmp", false),
            new Bind(Path.of("/img/sandbox"), "/sandbox", false),
            new Bind(Path.of("/img/usr"), "/usr", false)),
        Path.of("/init"), Path.of("/sock"), "{}", Map.of(), false, false);
    assertTrue(r.binds().contains(new Bind(Path.of("/img/usr"), "/usr", false)));
    assertFalse(r.binds().stream().anyMatch(b -> b.source().startsWith("/img/tmp")
        || b.source().startsWith("/img/sandbox")), r.binds()::toString);
  }

  @Test
  void aDirectoryRootIsItsTopLevelEntriesButWhatTheEngineAndWeMount() throws IOException {
    for (String d : List.of("usr", "etc", "proc", "dev", "sys", "run")) {
      Files.createDirectories(tmp.resolve("root").resolve(d));
    }
    Files.createSymbolicLink(tmp.resolve("root/bin"), Path.of("usr"));
    List<Bind> binds = ContainerRequest.dirBinds(tmp.resolve("root"));
    Path real = tmp.resolve("root").toRealPath();
    assertEquals(List.of(new Bind(real.resolve("usr"), "/bin", false),
        new Bind(real.resolve("etc"), "/etc", false),
        new Bind(real.resolve("usr"), "/usr", false)), binds);
  }

  @Test
  void aTopLevelLinkLeadingOutOfTheDirectoryIsRefused() throws IOException {
    Files.createDirectories(tmp.resolve("root"));
    Files.createSymbolicLink(tmp.resolve("root/etc"), Path.of("/etc"));
    IOException e = assertThrows(IOException.class,
        () -> ContainerRequest.dirBinds(tmp.resolve("root")));
    assertTrue(e.getMessage().contains("leads out of the image directory"), e.getMessage());
  }

  @Test
  void theSupervisorLabelNamesMachineBootAndPidAndOnlyThisMachinesDeadOnesAreSwept() {
    DockerBackend.Owner me = new DockerBackend.Owner("m", "b", ProcessHandle.current().pid());
    assertEquals(Optional.of(me), DockerBackend.Owner.parse(me.label()));
    assertFalse(me.deadOn(me));
    assertTrue(new DockerBackend.Owner("m", "old-boot", 1).deadOn(me));
    assertTrue(new DockerBackend.Owner("m", "b", Integer.MAX_VALUE - 7).deadOn(me));
    assertFalse(new DockerBackend.Owner("other", "x", 1).deadOn(me));
    assertEquals(Optional.empty(), DockerBackend.Owner.parse("garbage"));
  }
}
