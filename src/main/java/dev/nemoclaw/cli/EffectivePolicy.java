package dev.nemoclaw.cli;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.policy.LayeredPolicy;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.PolicyLayers;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The network policy of an agent.yaml as the commands that reason about it without running it
 * ({@code policy explain}, {@code policy test}) build it, as a run would: the org and team layer
 * files, the spec with its presets, and (when asked) the stored revisions on top.
 * {@code revision}: the stored revision layered, if any; {@code layers}: the layer files read.
 */
record EffectivePolicy(AgentSpec spec, LayeredPolicy policy, Optional<Revision> revision,
    Optional<Path> storeDir, List<PolicyLayer> layers, Path layerDir) {

  /** The policy cannot be built from what is on this host (exit 125, as for a bad spec). */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message);
    }
  }

  /**
   * {@code agentYaml}'s policy. {@code withStore}: layer the newest revision the policy store
   * holds for the spec's name (rules operators added, docs/policy-store.md), as a running sandbox
   * does. {@code policyDir}: org/team layer files; empty for the default, {@code CONFIG/policy.d}.
   *
   * @throws SpecException the agent.yaml (or a preset it names) or a layer file has errors
   * @throws Failure the store cannot be read, or an explicit --policy-dir is not a directory
   */
  static EffectivePolicy load(Path agentYaml, boolean withStore, Optional<Path> policyDir)
      throws SpecException, Failure {
    AgentSpec spec = SpecLoader.load(agentYaml, System.getenv());
    Path dir = policyDir.orElseGet(EffectivePolicy::defaultPolicyDir);
    if (policyDir.isPresent() && !Files.isDirectory(dir)) {
      throw new Failure("--policy-dir " + dir + ": no such directory");
    }
    List<PolicyLayer> layers = PolicyLayers.load(dir);
    Optional<Revision> latest = Optional.empty();
    Optional<Path> storeDir = Optional.empty();
    if (withStore) {
      PolicyStore store = PolicyCommand.store(spec.name());
      try {
        latest = store.latest();
      } catch (IOException e) {
        throw new Failure(e.getMessage());
      }
      storeDir = Optional.of(store.dir());
    }
    RuleSet added = latest.map(Revision::rules).orElse(RuleSet.EMPTY);
    LayeredPolicy policy = LayeredPolicy.compile(spec.network(), added, layers,
        new AgentScope(spec.name(), spec.org(), spec.team()));
    return new EffectivePolicy(spec, policy, latest, storeDir, layers, dir);
  }

  /**
   * What was layered, for stderr: {@code with 2 policy layers from DIR (org acme, team data) and
   * policy revision N of NAME (K added rules, DIR)}; empty when agent.yaml stands alone.
   */
  Optional<String> revisionNote() {
    List<String> parts = new java.util.ArrayList<>();
    if (!layers.isEmpty()) {
      parts.add(layers.size() + " policy layer(s) from " + layerDir + " (" + String.join(", ",
          layers.stream().map(l -> l.level().yaml() + " " + l.name()).toList()) + ")");
    }
    revision.ifPresent(r -> parts.add("policy revision " + r.number() + " of " + spec.name()
        + " (" + r.rules().size() + " added rules, " + storeDir.map(Path::toString).orElse("")
        + ")"));
    return parts.isEmpty() ? Optional.empty() : Optional.of("with " + String.join(" and ", parts));
  }

  static Path defaultPolicyDir() {
    return HostDirs.fromEnvironment().config().resolve("policy.d");
  }
}
