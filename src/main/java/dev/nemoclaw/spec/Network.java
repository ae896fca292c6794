package dev.nemoclaw.spec;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Egress policy. {@code presets} are already loaded (names and rules, in the order agent.yaml
 * lists them); {@code allow} holds only the rules written in agent.yaml.
 */
public record Network(
    NetworkMode mode,
    List<Preset> presets,
    List<AllowRule> allow,
    List<DenyRule> deny,
    UnknownAction unknown,
    Duration approvalTimeout) {
  public Network {
    presets = List.copyOf(presets);
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  public List<String> presetNames() {
    return presets.stream().map(Preset::name).toList();
  }

  /** Every allow rule in force: the presets' rules first, then agent.yaml's own. */
  public List<AllowRule> effectiveAllow() {
    return Stream.concat(presets.stream().flatMap(p -> p.rules().stream()), allow.stream())
        .toList();
  }
}
