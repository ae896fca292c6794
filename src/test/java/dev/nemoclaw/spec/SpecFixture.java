package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes specs into a temp dir and loads them with the repository's presets. */
final class SpecFixture {
  static final Path PRESETS = Path.of("presets").toAbsolutePath();
  final Path dir;
  final Path profiles;
  final SpecLoader loader;

  SpecFixture(Path dir) {
    this.dir = dir;
    this.profiles = dir.resolve("profiles");
    try {
      Files.createDirectories(profiles);
      Files.writeString(profiles.resolve("default.json"), "{}");
      Files.writeString(profiles.resolve("strict.json"), "{}");
      Files.writeString(profiles.resolve("extra.json"), "{}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.loader = new SpecLoader(new Presets(PRESETS), new SeccompProfiles(profiles));
  }

  Path write(String yaml) {
    try {
      return Files.writeString(dir.resolve("agent.yaml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  AgentSpec load(String yaml, Map<String, String> env) throws SpecException {
    return loader.read(write(yaml), env);
  }

  AgentSpec load(String yaml) throws SpecException {
    return load(yaml, Map.of());
  }

  List<SpecError> errors(String yaml, Map<String, String> env) {
    return assertThrows(SpecException.class, () -> load(yaml, env)).errors();
  }

  List<SpecError> errors(String yaml) {
    return errors(yaml, Map.of());
  }

  /** Asserts exactly one error, at this place, on this field, whose message contains {@code msg}. */
  SpecError single(String yaml, int line, int column, String field, String msg) {
    List<SpecError> errs = errors(yaml);
    assertEquals(1, errs.size(), () -> "expected one error, got " + errs);
    SpecError e = errs.getFirst();
    assertAt(e, line, column, field, msg);
    return e;
  }

  static void assertAt(SpecError e, int line, int column, String field, String msg) {
    assertEquals(line, e.line(), () -> "line of " + e);
    assertEquals(column, e.column(), () -> "column of " + e);
    assertEquals(field, e.field(), () -> "field of " + e);
    assertTrue(e.message().contains(msg), () -> "message of " + e + " lacks: " + msg);
  }

  /** A valid spec header; tests append sections below it (the header is lines 1-3). */
  static final String HEAD = """
      apiVersion: nemoclaw.dev/v1
      name: t
      command: [sh]
      """;
}
