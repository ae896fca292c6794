package dev.nemoclaw.policy.openshell;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Composes an OpenShell policy into {@link Node}s with positions. SnakeYAML only composes (no
 * object construction); duplicate keys (OpenShell refuses them too), anchors and custom tags are
 * refused, so what is converted is exactly what is written.
 */
final class PolicyReader {
  /** OpenShell's own limit for a policy file. */
  static final int MAX_CHARS = 4 * 1024 * 1024;

  private final String file;
  private final List<Problem> problems;

  PolicyReader(String file, List<Problem> problems) {
    this.file = file;
    this.problems = problems;
  }

  Optional<Node> parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(10);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(40);
    options.setCodePointLimit(MAX_CHARS);
    org.yaml.snakeyaml.nodes.Node root;
    try {
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
      problems.add(new Problem(file, m == null ? 1 : m.getLine() + 1,
          m == null ? 1 : m.getColumn() + 1, "", "YAML syntax: " + what + context));
      return Optional.empty();
    } catch (YAMLException e) {
      problems.add(new Problem(file, 1, 1, "", "YAML: " + e.getMessage()));
      return Optional.empty();
    }
    if (root == null) {
      problems.add(new Problem(file, 1, 1, "", "the file is empty; expected an OpenShell policy"
          + " (a mapping with version: 1)"));
      return Optional.empty();
    }
    return Optional.of(convert(root, ""));
  }

  private Node convert(org.yaml.snakeyaml.nodes.Node node, String path) {
    int line = node.getStartMark().getLine() + 1;
    int column = node.getStartMark().getColumn() + 1;
    if (node.getAnchor() != null) {
      problems.add(new Problem(file, line, column, path, "anchors and aliases (&"
          + node.getAnchor() + ") are not supported by import; write the values out"));
      return new Node.Scalar(line, column, path, "", true);
    }
    if (!node.getTag().getValue().startsWith(Tag.PREFIX)) {
      problems.add(new Problem(file, line, column, path, "custom tag " + node.getTag().getValue()
          + " is not allowed"));
      return new Node.Scalar(line, column, path, "", true);
    }
    return switch (node) {
      case ScalarNode s -> new Node.Scalar(line, column, path, s.getValue(),
          Tag.NULL.equals(s.getTag()));
      case SequenceNode s -> {
        List<Node> items = new ArrayList<>();
        for (org.yaml.snakeyaml.nodes.Node item : s.getValue()) {
          items.add(convert(item, path + "[" + items.size() + "]"));
        }
        yield new Node.Seq(line, column, path, List.copyOf(items));
      }
      case MappingNode m -> convertMap(m, path, line, column);
      default -> new Node.Scalar(line, column, path, "", true);
    };
  }

  private Node convertMap(MappingNode m, String path, int line, int column) {
    List<Node.Entry> entries = new ArrayList<>();
    HashMap<String, Integer> seen = new HashMap<>();
    for (NodeTuple t : m.getValue()) {
      org.yaml.snakeyaml.nodes.Node k = t.getKeyNode();
      int kl = k.getStartMark().getLine() + 1;
      int kc = k.getStartMark().getColumn() + 1;
      if (!(k instanceof ScalarNode ks) || k.getAnchor() != null) {
        problems.add(new Problem(file, kl, kc, path, "keys must be plain strings"));
        continue;
      }
      String keyPath = path.isEmpty() ? ks.getValue() : path + "." + ks.getValue();
      Integer first = seen.putIfAbsent(ks.getValue(), kl);
      if (first != null) {
        problems.add(new Problem(file, kl, kc, keyPath, "duplicate key '" + ks.getValue()
            + "' (first at line " + first + ")"));
        continue;
      }
      entries.add(new Node.Entry(ks.getValue(), kl, kc, convert(t.getValueNode(), keyPath)));
    }
    return new Node.Map(line, column, path, List.copyOf(entries));
  }
}
