package dev.nemoclaw.supervisor;

import static dev.nemoclaw.image.Layouts.file;
import static dev.nemoclaw.image.Layouts.layer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.image.Layouts;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code image: oci:PATH}: the cached rootfs becomes the root, the image config fills gaps. */
class PlannerImageTest {
  @TempDir Path dir;
  Map<String, String> env;

  @BeforeEach
  void layout() throws Exception {
    env = Map.of("NEMOCLAW_HOME", dir.resolve("home").toString());
    Layouts.ociDir(dir.resolve("img"), new Layouts.Config(List.of("/bin/entry"),
        List.of("--flag"), List.of("PATH=/opt/bin:/bin", "FROM_IMAGE=1", "A=image"), "/app",
        "amd64"), layer(file("bin/entry", "x", 0755)));
  }

  AgentSpec spec(String yaml) throws Exception {
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: t\nimage: oci:img\n"
        + "network: {mode: none}\n" + yaml);
    return SpecLoader.load(f, Map.of());
  }

  @Test
  void theImageSuppliesCommandEnvAndWorkdir() throws Exception {
    SandboxPlan p = Planner.plan(spec("env: {A: spec}\n"), Planner.Overrides.NONE, env);
    assertEquals(List.of("/bin/entry", "--flag"), p.command());
    assertEquals("/opt/bin:/bin", p.env().get("PATH"));
    assertEquals("1", p.env().get("FROM_IMAGE"));
    assertEquals("spec", p.env().get("A"), "the spec's env wins over the image's");
    assertEquals("/app", p.workdir());
    SandboxPlan.RootFs.Dir root = assertInstanceOf(SandboxPlan.RootFs.Dir.class, p.root());
    assertTrue(root.path().startsWith(dir.resolve("home/state/images/sha256")), root::toString);
    assertTrue(Files.isRegularFile(root.path().resolve("bin/entry")));
    assertTrue(Files.isDirectory(root.path().resolve("app")), "WorkingDir made as a mountpoint");
    // a second plan reuses the unpacked image
    SandboxPlan again = Planner.plan(spec(""), Planner.Overrides.NONE, env);
    assertEquals(p.root(), again.root());
  }

  @Test
  void theSpecAndTheCommandLineWin() throws Exception {
    SandboxPlan p = Planner.plan(spec("command: [sh]\nworkdir: /w\nenv: {PATH: /mine}\n"),
        Planner.Overrides.NONE, env);
    assertEquals(List.of("sh"), p.command());
    assertEquals("/w", p.workdir());
    assertEquals("/mine", p.env().get("PATH"));
    SandboxPlan q = Planner.plan(spec(""), new Planner.Overrides(Optional.empty(),
        Optional.of(List.of("id")), Map.of()), env);
    assertEquals(List.of("id"), q.command());
  }

  @Test
  void aBrokenImageIsAPlanErrorNamingIt() throws Exception {
    Files.writeString(dir.resolve("img/index.json"), "{not json");
    Planner.PlanException e = assertThrows(Planner.PlanException.class,
        () -> Planner.plan(spec(""), Planner.Overrides.NONE, env));
    assertTrue(e.getMessage().contains("index.json"), e.getMessage());
  }
}
