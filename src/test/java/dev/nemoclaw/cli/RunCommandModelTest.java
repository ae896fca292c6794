package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code run}'s hand-built model ({@link RunCommand#model}) fills the command's fields. */
class RunCommandModelTest {
  private static RunCommand parse(String... args) {
    CommandLine cl = Main.commandLine(args);
    CommandLine.ParseResult r = cl.parseArgs(args);
    return (RunCommand) r.subcommand().commandSpec().userObject();
  }

  @Test
  void everyOptionLandsInItsField() {
    RunCommand c = parse("run", "--ci", "--tui", "-d", "--dry-run", "--report", "r.json",
        "--backend", "docker", "--name", "n1", "-e", "A=1", "--env", "B=2", "agent.yaml",
        "--", "echo", "hi");
    assertEquals(Path.of("agent.yaml"), c.file);
    assertEquals(List.of("echo", "hi"), c.command);
    assertTrue(c.ci && c.tui && c.detach && c.dryRun);
    assertEquals(Path.of("r.json"), c.report);
    assertEquals("docker", c.backend);
    assertEquals("n1", c.name);
    assertEquals(Map.of("A", "1", "B", "2"), c.env);
  }

  @Test
  void defaultsAreTheFieldsInitialValues() {
    RunCommand c = parse("run", "agent.yaml");
    assertEquals(Path.of("agent.yaml"), c.file);
    assertFalse(c.ci || c.tui || c.detach || c.dryRun);
    assertNull(c.command);
    assertNull(c.report);
    assertNull(c.backend);
    assertNull(c.name);
    assertNull(c.env);
  }

  /** An option declared with an annotation here would be ignored: declare it in model(). */
  @Test
  void noPicocliAnnotations() {
    for (Field f : RunCommand.class.getDeclaredFields()) {
      assertTrue(Arrays.stream(f.getAnnotations())
              .noneMatch(a -> a.annotationType().getName().startsWith("picocli.")),
          f.getName() + " has a picocli annotation; add it to RunCommand.model() instead");
    }
    assertTrue(Arrays.stream(RunCommand.class.getAnnotations())
        .noneMatch(a -> a.annotationType().getName().startsWith("picocli.")));
  }
}
