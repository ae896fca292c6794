package dev.nemoclaw.spec;

import dev.nemoclaw.host.Install;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The network presets in a directory ({@code presets/NAME.yaml}): a {@code description} and
 * {@code allow} rules shaped like {@code network.allow}, loaded as strictly as agent.yaml (but
 * never interpolated: presets are shipped configuration, not the user's).
 */
public final class Presets {
  private final Path dir;

  public Presets(Path dir) {
    this.dir = dir;
  }

  public static Presets installed() {
    return new Presets(Install.locate().presets());
  }

  public Path dir() {
    return dir;
  }

  /** Preset names, sorted. */
  public List<String> names() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml"))
          .map(n -> n.substring(0, n.length() - ".yaml".length()))
          .filter(n -> Values.NAME.matcher(n).matches())
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Every preset, sorted by name; any broken preset file fails the whole list. */
  public List<Preset> list() throws SpecException {
    Problems problems = new Problems();
    List<Preset> out = new ArrayList<>();
    for (String name : names()) {
      read(name, problems).ifPresent(out::add);
    }
    problems.throwIfAny();
    return List.copyOf(out);
  }

  /** One preset; an unknown name is an error listing the available ones. */
  public Preset load(String name) throws SpecException {
    Problems problems = new Problems();
    if (!names().contains(name)) {
      problems.add(dir.resolve(name + ".yaml"), 0, 0, "", unknown(name));
    }
    Optional<Preset> p = problems.isEmpty() ? read(name, problems) : Optional.empty();
    problems.throwIfAny();
    return p.orElseThrow();
  }

  String unknown(String name) {
    List<String> names = names();
    return "unknown preset '" + name + "'; available: "
        + (names.isEmpty() ? "(none in " + dir + ")" : String.join(", ", names))
        + Suggest.didYouMean(name, names);
  }

  /** Reads {@code name}, known to exist, reporting into {@code problems}. */
  Optional<Preset> read(String name, Problems problems) {
    Path file = dir.resolve(name + ".yaml");
    Optional<YNode> root = new YamlReader(file, problems).read();
    if (root.isEmpty()) {
      return Optional.empty();
    }
    Bind b = new Bind(file, problems, Map.of());
    return b.map(root.get(), "", Shape.PRESET).flatMap(m -> {
      b.require(m, "", "description", "\"what these rules are for\"");
      b.require(m, "", "allow", "[{host: example.org}]");
      String description = b.field(m, "", "description", s -> s).orElse("");
      List<AllowRule> rules = b.list(m, "", "allow", new RuleBinder(b)::allowRule)
          .orElse(List.of());
      return Optional.of(new Preset(name, description, rules));
    });
  }
}
