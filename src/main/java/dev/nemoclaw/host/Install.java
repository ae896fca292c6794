package dev.nemoclaw.host;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where this copy of nemoclaw keeps its read-only parts: the sandbox init, seccomp profiles and
 * presets. A development checkout has them at the repo root ({@code target/native/nemoclaw-init},
 * {@code profiles/}, {@code presets/}); an installed copy beside its {@code lib/}. The system
 * property {@code nemoclaw.install} (set by the launchers) wins over the search.
 */
public record Install(Path root, Path init, Path seccompProfiles, Path presets) {

  public static Install locate() {
    Path root = Optional.ofNullable(System.getProperty("nemoclaw.install"))
        .map(Path::of)
        .orElseGet(Install::searchFromJar);
    Path init = Optional.ofNullable(System.getenv("NEMOCLAW_INIT"))
        .map(Path::of)
        .orElseGet(() -> firstExisting(
            root.resolve("target/native/nemoclaw-init"), root.resolve("lib/nemoclaw-init")));
    return new Install(
        root.toAbsolutePath().normalize(),
        init.toAbsolutePath().normalize(),
        root.resolve("profiles/seccomp").toAbsolutePath().normalize(),
        root.resolve("presets").toAbsolutePath().normalize());
  }

  private static Path firstExisting(Path preferred, Path other) {
    return Files.exists(preferred) || !Files.exists(other) ? preferred : other;
  }

  /** Walks up from the jar (or classes dir) to the first directory that holds {@code presets/}. */
  private static Path searchFromJar() {
    try {
      Path p = Path.of(Install.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path d = p; d != null; d = d.getParent()) {
        if (Files.isDirectory(d.resolve("presets"))) {
          return d;
        }
      }
    } catch (URISyntaxException | SecurityException e) {
      // fall through to the working directory
    }
    return Path.of("").toAbsolutePath();
  }
}
