package dev.nemoclaw.cli;

import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.PolicyLayers;
import dev.nemoclaw.spec.SpecError;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import dev.nemoclaw.supervisor.PolicySource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A run's policy read from its agent.yaml and the layer directory, and read again on edits. */
final class SpecPolicySource implements PolicySource {
  private final Path file;
  private final AgentSpec started;
  private final Path layerDir;
  private final AgentScope agent;
  private final Live initial;

  private SpecPolicySource(Path file, AgentSpec started, Path layerDir, AgentScope agent,
      Live initial) {
    this.file = file;
    this.started = started;
    this.layerDir = layerDir;
    this.agent = agent;
    this.initial = initial;
  }

  /**
   * @param sandbox the sandbox's name (agent.yaml's, or --name): what {@code agent:} scopes match
   * @throws SpecException a layer file has errors
   */
  static SpecPolicySource open(AgentSpec spec, String sandbox, Path layerDir)
      throws SpecException {
    List<PolicyLayer> layers = PolicyLayers.load(layerDir);
    return new SpecPolicySource(spec.file(), spec, layerDir,
        new AgentScope(sandbox, spec.org(), spec.team()),
        new Live(spec.network(), spec.privacy(), spec.tools(), spec.toolRisk(),
            spec.mcpServers(), layers, List.of()));
  }

  @Override
  public AgentScope agent() {
    return agent;
  }

  @Override
  public Live initial() {
    return initial;
  }

  @Override
  public Live load() throws Invalid {
    try {
      AgentSpec edited = SpecLoader.load(file, System.getenv());
      List<PolicyLayer> layers = PolicyLayers.load(layerDir);
      return new Live(started.liveNetwork(edited), edited.privacy(), edited.tools(),
          edited.toolRisk(), edited.mcpServers(), layers, started.staticChanges(edited));
    } catch (SpecException e) {
      throw new Invalid(e.errors().stream().map(SpecError::render)
          .collect(Collectors.joining("\n")));
    }
  }

  @Override
  public List<Path> watched() {
    List<Path> out = new ArrayList<>(List.of(file));
    out.addAll(PolicyLayers.files(layerDir));
    return out;
  }
}
