package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One org or team policy file ({@code CONFIG/policy.d/*.yaml} or {@code --policy-dir}): network
 * rules for the agents its scopes match (docs/policy-layers.md). Org layers outrank team layers,
 * which outrank agent.yaml: a layer's deny cannot be undone below it.
 *
 * @param name the layer's name (its {@code name:}, else the file name without .yaml)
 */
public record PolicyLayer(Path file, Level level, String name, List<Scope> scopes) {
  public static final String KIND = "PolicyLayer";

  /** Which layer: {@code org} outranks {@code team}. */
  public enum Level implements YamlEnum {
    ORG("org"),
    TEAM("team");

    private final String yaml;

    Level(String yaml) {
      this.yaml = yaml;
    }

    @Override
    public String yaml() {
      return yaml;
    }
  }

  /**
   * Rules for the agents {@code match} selects ({@code org:ORG/team:TEAM/agent:NAME}, any segment
   * left out or a glob). {@code unknown}: {@code deny} forbids asking about uncovered destinations
   * for these agents ({@code ask} cannot loosen an agent's {@code deny}).
   *
   * @param index its position in the file's {@code scopes}, for naming its rules
   */
  public record Scope(int index, ToolMatch match, List<AllowRule> allow, List<DenyRule> deny,
      Optional<UnknownAction> unknown) {
    public Scope {
      Objects.requireNonNull(match, "match");
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
      Objects.requireNonNull(unknown, "unknown");
    }
  }

  public PolicyLayer {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(name, "name");
    scopes = List.copyOf(scopes);
  }
}
