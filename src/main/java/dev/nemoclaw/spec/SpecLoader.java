package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Loads agent.yaml strictly: every unknown key, wrong type, bad value and broken reference in the
 * file is reported at its line and column, all at once, in a {@link SpecException}.
 */
public final class SpecLoader {
  private final Presets presets;
  private final SeccompProfiles seccomp;

  public SpecLoader(Presets presets, SeccompProfiles seccomp) {
    this.presets = presets;
    this.seccomp = seccomp;
  }

  /** A loader for this installation's presets and seccomp profiles. */
  public static SpecLoader installed() {
    return new SpecLoader(Presets.installed(), SeccompProfiles.installed());
  }

  /**
   * {@code file} with {@code ${VAR}} references taken from {@code env} (normally
   * {@code System.getenv()}), using this installation's presets and profiles.
   */
  public static AgentSpec load(Path file, Map<String, String> env) throws SpecException {
    return installed().read(file, env);
  }

  public AgentSpec read(Path file, Map<String, String> env) throws SpecException {
    Problems problems = new Problems();
    Optional<YNode> root = new YamlReader(file, problems).read();
    Optional<AgentSpec> spec = root.flatMap(r ->
        new SpecBinder(new Bind(file, problems, env), presets, seccomp, problems).bind(r));
    problems.throwIfAny();
    return spec.orElseThrow();
  }
}
