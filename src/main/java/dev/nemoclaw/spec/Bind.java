package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The binding context of one file: reports errors with positions and field paths, checks node
 * types and keys, interpolates scalar values. Binders are written against this so that every
 * value is checked the same way.
 */
final class Bind {
  final Path file;
  final Path baseDir;
  private final Problems problems;
  private final Map<String, String> env;

  Bind(Path file, Problems problems, Map<String, String> env) {
    this.file = file;
    this.baseDir = file.toAbsolutePath().normalize().getParent();
    this.problems = problems;
    this.env = Map.copyOf(env);
  }

  void error(YNode at, String field, String message) {
    if (at instanceof YNode.Bad) {
      return;
    }
    problems.add(file, at.line(), at.column(), field, message);
  }

  static String path(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }

  /** A mapping with only the keys of {@code shape}; unknown keys are reported, not fatal. */
  Optional<YNode.Map> map(YNode n, String field, Shape shape) {
    if (!(n instanceof YNode.Map m)) {
      error(n, field, "must be a mapping with keys " + String.join(", ", shape.keys())
          + ", not " + n.kind());
      return Optional.empty();
    }
    for (YNode.Entry e : m.entries()) {
      String k = e.key().text();
      if (!shape.keys().contains(k)) {
        error(e.key(), path(field, k), "unknown key '" + k + "'; allowed: "
            + String.join(", ", shape.keys()) + Suggest.didYouMean(k, shape.keys()));
      }
    }
    return Optional.of(m);
  }

  /** A mapping with arbitrary keys (env). */
  Optional<YNode.Map> anyMap(YNode n, String field, String what) {
    if (n instanceof YNode.Map m) {
      return Optional.of(m);
    }
    error(n, field, "must be a mapping of " + what + ", not " + n.kind());
    return Optional.empty();
  }

  static Optional<YNode> get(YNode.Map m, String key) {
    return m.entries().stream().filter(e -> e.key().text().equals(key)).findFirst()
        .map(YNode.Entry::value);
  }

  /** Reports a missing required key at the mapping that lacks it. */
  void require(YNode.Map m, String parent, String key, String example) {
    if (get(m, key).isEmpty()) {
      error(m, path(parent, key), "required, e.g. " + key + ": " + example);
    }
  }

  /** The interpolated text of a scalar value. */
  Optional<String> text(YNode n, String field) {
    return rawText(n, field).flatMap(raw -> {
      try {
        return Optional.of(Interpolation.apply(raw, env));
      } catch (Interpolation.Failure f) {
        error(n, field, f.getMessage());
        return Optional.empty();
      }
    });
  }

  /** A scalar's text as written: for names that must never be expanded ({@code apiKeyEnv}). */
  Optional<String> rawText(YNode n, String field) {
    if (n instanceof YNode.Scalar s && !s.isNull()) {
      return Optional.of(s.text());
    }
    error(n, field, "must be a single value, not " + n.kind());
    return Optional.empty();
  }

  <T> Optional<T> value(YNode n, String field, Function<String, T> parser) {
    return text(n, field).flatMap(t -> parse(n, field, t, parser));
  }

  <T> Optional<T> parse(YNode n, String field, String text, Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(text));
    } catch (IllegalArgumentException e) {
      error(n, field, e.getMessage());
      return Optional.empty();
    }
  }

  /** {@code m.key} parsed, or empty if it is absent or wrong (the latter reported). */
  <T> Optional<T> field(YNode.Map m, String parent, String key, Function<String, T> parser) {
    return get(m, key).flatMap(n -> value(n, path(parent, key), parser));
  }

  <E extends Enum<E> & YamlEnum> Optional<E> enumField(
      YNode.Map m, String parent, String key, Class<E> type) {
    return field(m, parent, key, s -> Values.enumValue(type, s));
  }

  /**
   * {@code m.key} as a list, each item bound by {@code item(node, fieldPath)}; empty when absent.
   * Items that fail are left out (and reported).
   */
  <T> Optional<List<T>> list(
      YNode.Map m, String parent, String key, BiFunction<YNode, String, Optional<T>> item) {
    return get(m, key).flatMap(n -> items(n, path(parent, key), item));
  }

  <T> Optional<List<T>> items(
      YNode n, String field, BiFunction<YNode, String, Optional<T>> item) {
    if (!(n instanceof YNode.Seq seq)) {
      error(n, field, "must be a list, not " + n.kind());
      return Optional.empty();
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < seq.items().size(); i++) {
      item.apply(seq.items().get(i), index(field, i)).ifPresent(out::add);
    }
    return Optional.of(List.copyOf(out));
  }

  /** A list of scalars parsed by {@code parser}. */
  <T> Optional<List<T>> scalars(
      YNode.Map m, String parent, String key, Function<String, T> parser) {
    return list(m, parent, key, (n, f) -> value(n, f, parser));
  }

  /** A host path relative to the spec's directory, made absolute and normalised. */
  Path resolve(String p) {
    return baseDir.resolve(p).toAbsolutePath().normalize();
  }
}
