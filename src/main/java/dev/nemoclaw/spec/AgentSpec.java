package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    List<ToolRule> tools) {

  public static final String API_VERSION = "nemoclaw.dev/v1";

  public AgentSpec {
    command = command.map(List::copyOf);
    env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    mounts = List.copyOf(mounts);
    tmpfs = List.copyOf(tmpfs);
    tools = List.copyOf(tools);
  }
}
