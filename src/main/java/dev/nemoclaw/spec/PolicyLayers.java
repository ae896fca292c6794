package dev.nemoclaw.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loads the org and team policy files of a directory as strictly as agent.yaml: every error of
 * every file, with its line, column and field, at once. Files are read in name order; names
 * ending in {@code .yaml} or {@code .yml} count, others (editor backups, READMEs) are ignored.
 * Layer files are shared configuration, so they are not interpolated.
 */
public final class PolicyLayers {
  private PolicyLayers() {}

  /** Every layer file in {@code dir}; none when it does not exist. */
  public static List<PolicyLayer> load(Path dir) throws SpecException {
    Problems problems = new Problems();
    List<PolicyLayer> out = new ArrayList<>();
    Map<String, Path> names = new HashMap<>();
    for (Path f : files(dir, problems)) {
      read(f, problems).ifPresent(l -> {
        Path other = names.putIfAbsent(l.name(), f);
        if (other != null) {
          problems.add(f, 1, 1, "name", "layer name '" + l.name() + "' is also used by "
              + other + "; layer names must be unique (explain names rules by them)");
        } else {
          out.add(l);
        }
      });
    }
    problems.throwIfAny();
    return List.copyOf(out);
  }

  /** The layer files {@link #load} reads, in order (what a running sandbox watches). */
  public static List<Path> files(Path dir) {
    return files(dir, new Problems());
  }

  private static List<Path> files(Path dir, Problems problems) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml"));
      }).sorted().toList();
    } catch (IOException e) {
      problems.add(dir, 0, 0, "", "cannot list the policy layer directory: " + e.getMessage());
      return List.of();
    }
  }

  static Optional<PolicyLayer> read(Path file, Problems problems) {
    Optional<YNode> root = new YamlReader(file, problems).read();
    if (root.isEmpty()) {
      return Optional.empty();
    }
    Bind b = new Bind(file, problems, Map.of());
    return b.map(root.get(), "", Shape.LAYER).flatMap(m -> {
      b.require(m, "", "apiVersion", AgentSpec.API_VERSION);
      b.require(m, "", "kind", PolicyLayer.KIND);
      b.require(m, "", "layer", "org");
      b.require(m, "", "scopes", "[{match: \"org:acme\", deny: [{host: \"*.pastebin.com\"}]}]");
      b.field(m, "", "apiVersion", SpecBinder::apiVersion);
      b.field(m, "", "kind", PolicyLayers::kind);
      Optional<PolicyLayer.Level> level = b.enumField(m, "", "layer", PolicyLayer.Level.class);
      String fileName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
      String name = b.field(m, "", "name", Values::name).orElse(fileName);
      RuleBinder rules = new RuleBinder(b);
      int[] index = {0};
      List<PolicyLayer.Scope> scopes = b.list(m, "", "scopes", (n, field) -> {
        int i = index[0]++;
        return b.map(n, field, Shape.LAYER_SCOPE).flatMap(s -> scope(b, rules, s, field, i));
      }).orElse(List.of());
      return level.map(l -> new PolicyLayer(file.toAbsolutePath().normalize(), l, name, scopes));
    });
  }

  private static Optional<PolicyLayer.Scope> scope(Bind b, RuleBinder rules, YNode.Map s,
      String field, int index) {
    b.require(s, field, "match", "\"org:acme/team:data\"");
    Optional<ToolMatch> match = b.field(s, field, "match", PolicyLayers::agentScope);
    List<AllowRule> allow = b.list(s, field, "allow", rules::allowRule).orElse(List.of());
    List<DenyRule> deny = b.list(s, field, "deny", rules::denyRule).orElse(List.of());
    Optional<UnknownAction> unknown = b.enumField(s, field, "unknown", UnknownAction.class);
    if (allow.isEmpty() && deny.isEmpty() && unknown.isEmpty()
        && Bind.get(s, "allow").isEmpty() && Bind.get(s, "deny").isEmpty()) {
      b.error(s, field, "a scope needs allow, deny or unknown: it does nothing as it is");
    }
    return match.map(m -> new PolicyLayer.Scope(index, m, allow, deny, unknown));
  }

  /** A scope addresses agents: {@code org:/team:/agent:} segments only; {@code *} is every agent. */
  static ToolMatch agentScope(String s) {
    if (s.equals("*")) {
      return new ToolMatch(s, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty());
    }
    ToolMatch m = Values.toolMatch(s);
    if (m.server().isPresent() || m.tool().isPresent()) {
      throw new IllegalArgumentException("'" + s + "' names a server or tool; a scope's match"
          + " selects agents: org:ORG/team:TEAM/agent:NAME, any segment left out");
    }
    return m;
  }

  private static String kind(String s) {
    if (!s.equals(PolicyLayer.KIND)) {
      throw new IllegalArgumentException("'" + s + "' is not allowed; allowed: "
          + PolicyLayer.KIND);
    }
    return s;
  }
}
