package dev.nemoclaw.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an image says about running it (the {@code config} object of an OCI image config): the
 * part a sandbox plan uses. Empty lists and strings mean the image does not say.
 */
public record ImageConfig(
    List<String> entrypoint, List<String> cmd, List<String> env, String workingDir) {

  public ImageConfig {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
  }

  public static final ImageConfig EMPTY = new ImageConfig(List.of(), List.of(), List.of(), "");

  /** From an image config's {@code config} object (Docker's capitalised keys). */
  static ImageConfig fromOci(JsonNode config) {
    return new ImageConfig(strings(config.path("Entrypoint")), strings(config.path("Cmd")),
        strings(config.path("Env")), config.path("WorkingDir").asText(""));
  }

  /** From the cache's own config.json (lower-case keys, see {@link #toJson}). */
  static ImageConfig fromCache(JsonNode n) {
    return new ImageConfig(strings(n.path("entrypoint")), strings(n.path("cmd")),
        strings(n.path("env")), n.path("workingDir").asText(""));
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("entrypoint", entrypoint);
    m.put("cmd", cmd);
    m.put("env", env);
    m.put("workingDir", workingDir);
    return m;
  }

  /** Entrypoint followed by Cmd, as {@code docker run IMAGE} runs it; empty when neither is set. */
  public Optional<List<String>> command() {
    List<String> c = new ArrayList<>(entrypoint);
    c.addAll(cmd);
    return c.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(c));
  }

  /** {@code Env} as a map; an entry without {@code =} is skipped (Docker treats it as unset). */
  public Map<String, String> envMap() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String e : env) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        m.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    return m;
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }
}
