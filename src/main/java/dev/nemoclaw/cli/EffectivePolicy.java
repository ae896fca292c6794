package dev.nemoclaw.cli;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The network policy of an agent.yaml as the commands that reason about it without running it
 * ({@code policy explain}, {@code policy test}) build it: the spec with its presets, then the
 * layers asked for. {@code revision}: the stored revision layered on top, if any.
 */
record EffectivePolicy(AgentSpec spec, CompiledPolicy policy, Optional<Revision> revision,
    Optional<Path> storeDir) {

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
   * @throws SpecException the agent.yaml (or a preset it names) has errors
   * @throws Failure the store cannot be read, or there are layers this version cannot apply
   */
  static EffectivePolicy load(Path agentYaml, boolean withStore, Optional<Path> policyDir)
      throws SpecException, Failure {
    AgentSpec spec = SpecLoader.load(agentYaml, System.getenv());
    checkLayers(policyDir);
    if (!withStore) {
      return new EffectivePolicy(spec, CompiledPolicy.compile(spec.network()), Optional.empty(),
          Optional.empty());
    }
    PolicyStore store = PolicyCommand.store(spec.name());
    Optional<Revision> latest;
    try {
      latest = store.latest();
    } catch (IOException e) {
      throw new Failure(e.getMessage());
    }
    RuleSet added = latest.map(Revision::rules).orElse(RuleSet.EMPTY);
    return new EffectivePolicy(spec, CompiledPolicy.compile(spec.network(), added), latest,
        Optional.of(store.dir()));
  }

  /** {@code with policy revision N of NAME (K added rules, DIR)}, when one is layered. */
  Optional<String> revisionNote() {
    return revision.map(r -> "with policy revision " + r.number() + " of " + spec.name() + " ("
        + r.rules().size() + " added rules, " + storeDir.map(Path::toString).orElse("") + ")");
  }

  static Path defaultPolicyDir() {
    return HostDirs.fromEnvironment().config().resolve("policy.d");
  }

  /**
   * Org/team layers are not applied yet: refuse to answer rather than ignore files an
   * administrator put there (an org deny rule silently left out would make a wrong answer).
   */
  private static void checkLayers(Optional<Path> explicit) throws Failure {
    Path dir = explicit.orElseGet(EffectivePolicy::defaultPolicyDir);
    if (!Files.exists(dir)) {
      if (explicit.isPresent()) {
        throw new Failure("--policy-dir " + dir + ": no such directory");
      }
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new Failure((explicit.isPresent() ? "--policy-dir " : "") + dir
          + " is not a directory");
    }
    List<String> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
          .toList();
    } catch (IOException e) {
      throw new Failure("cannot read " + dir + ": " + e.getMessage());
    }
    if (!files.isEmpty()) {
      throw new Failure("org/team policy layers are not supported yet, but " + dir + " holds "
          + String.join(", ", files) + "; move them out of it (or point --policy-dir at an empty"
          + " directory) to use this version");
    }
  }
}
