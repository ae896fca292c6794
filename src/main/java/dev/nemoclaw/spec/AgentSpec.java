package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole agent.yaml, validated, interpolated, with every default applied ({@link Defaults}) and
 * every path absolute. {@code command} is empty only when the image supplies one. {@code env}
 * keeps the file's order.
 */
public record AgentSpec(
    Path file,
    String apiVersion,
    String name,
    Optional<String> org,
    Optional<String> team,
    Image image,
    Backend backend,
    Optional<List<String>> command,
    String workdir,
    User user,
    Map<String, String> env,
    List<Mount> mounts,
    List<Tmpfs> tmpfs,
    Resources resources,
    Security security,
    Network network,
    Inference inference,
    Privacy privacy,
    List<ToolRule> tools,
    List<ToolRisk> toolRisk,
    List<McpServer> mcpServers) {

  public static final String API_VERSION = "nemoclaw.dev/v1";

  public AgentSpec {
    command = command.map(List::copyOf);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    mounts = List.copyOf(mounts);
    tmpfs = List.copyOf(tmpfs);
    tools = List.copyOf(tools);
    toolRisk = List.copyOf(toolRisk);
    mcpServers = List.copyOf(mcpServers);
  }

  /**
   * What differs in {@code edited} outside the parts a running sandbox takes up live (network
   * rules and presets, privacy, tools, toolRisk): the fields, by their agent.yaml names, whose change
   * applies only at the next run. {@code network.unknown} and {@code approvalTimeout} count as
   * static: the run's approval inbox is made for them.
   */
  public List<String> staticChanges(AgentSpec edited) {
    List<String> out = new ArrayList<>();
    Object[][] pairs = {
      {"name", name, edited.name}, {"org", org, edited.org}, {"team", team, edited.team},
      {"image", image, edited.image}, {"backend", backend, edited.backend},
      {"command", command, edited.command}, {"workdir", workdir, edited.workdir},
      {"user", user, edited.user}, {"env", env, edited.env}, {"mounts", mounts, edited.mounts},
      {"tmpfs", tmpfs, edited.tmpfs}, {"resources", resources, edited.resources},
      {"security", security, edited.security}, {"inference", inference, edited.inference},
      {"network.mode", network.mode(), edited.network.mode()},
      {"network.unknown", network.unknown(), edited.network.unknown()},
      {"network.approvalTimeout", network.approvalTimeout(), edited.network.approvalTimeout()},
    };
    for (Object[] p : pairs) {
      if (!Objects.equals(p[1], p[2])) {
        out.add((String) p[0]);
      }
    }
    return out;
  }

  /** {@code edited}'s live network parts (presets, allow, deny) on this spec's static ones. */
  public Network liveNetwork(AgentSpec edited) {
    return new Network(network.mode(), edited.network.presets(), edited.network.allow(),
        edited.network.deny(), network.unknown(), network.approvalTimeout());
  }
}
