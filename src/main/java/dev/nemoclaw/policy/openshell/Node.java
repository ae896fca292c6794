package dev.nemoclaw.policy.openshell;

import java.util.List;
import java.util.Optional;

/**
 * A node of an OpenShell policy with where it starts (1-based line and column) and its YAML path
 * ({@code network_policies.github.endpoints[0].host}), so that every finding and error can point
 * at its source.
 */
sealed interface Node {
  int line();

  int column();

  String path();

  String kind();

  record Scalar(int line, int column, String path, String text, boolean isNull) implements Node {
    @Override
    public String kind() {
      return isNull ? "null" : "a scalar";
    }
  }

  record Seq(int line, int column, String path, List<Node> items) implements Node {
    @Override
    public String kind() {
      return "a list";
    }
  }

  record Map(int line, int column, String path, List<Entry> entries) implements Node {
    @Override
    public String kind() {
      return "a mapping";
    }

    Optional<Node> get(String key) {
      return entries.stream().filter(e -> e.key().equals(key)).map(Entry::value).findFirst();
    }
  }

  record Entry(String key, int line, int column, Node value) {}
}
