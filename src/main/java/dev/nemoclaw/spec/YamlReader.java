package dev.nemoclaw.spec;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads one YAML file into a {@link YNode} tree with positions. SnakeYAML only composes here (no
 * object construction, so no tags can instantiate anything); duplicate keys, anchors and custom
 * tags are refused while walking, and the file size is capped before parsing.
 */
final class YamlReader {
  static final long MAX_BYTES = 1024 * 1024;
  private static final int MAX_DEPTH = 40;

  private final Path file;
  private final Problems problems;
  private final java.util.Set<Node> reported =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  YamlReader(Path file, Problems problems) {
    this.file = file;
    this.problems = problems;
  }

  /** The document's root, or empty if the file is unreadable, malformed or empty (all reported). */
  Optional<YNode> read() {
    String text;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        problems.add(file, 0, 0, "", "file is " + size + " bytes; at most " + MAX_BYTES + " allowed");
        return Optional.empty();
      }
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (NoSuchFileException e) {
      problems.add(file, 0, 0, "", "no such file");
      return Optional.empty();
    } catch (CharacterCodingException e) {
      problems.add(file, 0, 0, "", "not valid UTF-8");
      return Optional.empty();
    } catch (IOException e) {
      problems.add(file, 0, 0, "", "cannot read: " + e.getMessage());
      return Optional.empty();
    }
    return parse(text);
  }

  Optional<YNode> parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(10);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit((int) MAX_BYTES);
    Node root;
    try {
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
      int line = m == null ? 1 : m.getLine() + 1;
      int column = m == null ? 1 : m.getColumn() + 1;
      problems.add(file, line, column, "", "YAML syntax: " + what + context);
      return Optional.empty();
    } catch (YAMLException e) {
      problems.add(file, 1, 1, "", "YAML: " + e.getMessage());
      return Optional.empty();
    }
    if (root == null) {
      problems.add(file, 1, 1, "", "the file is empty; expected a mapping");
      return Optional.empty();
    }
    return Optional.of(convert(root, ""));
  }

  private YNode convert(Node node, String path) {
    int line = node.getStartMark().getLine() + 1;
    int column = node.getStartMark().getColumn() + 1;
    if (node.getAnchor() != null) {
      // an alias is the anchored node itself: report it once, wherever it is used
      if (reported.add(node)) {
        problems.add(file, line, column, path,
            "anchors and aliases (&" + node.getAnchor() + ") are not allowed; write values out");
      }
      return new YNode.Bad(line, column);
    }
    if (!node.getTag().getValue().startsWith(Tag.PREFIX)) {
      problems.add(file, line, column, path, "custom tag " + node.getTag().getValue()
          + " is not allowed");
      return new YNode.Bad(line, column);
    }
    return switch (node) {
      case ScalarNode s -> new YNode.Scalar(line, column, s.getValue(), Tag.NULL.equals(s.getTag()));
      case SequenceNode s -> {
        List<YNode> items = new ArrayList<>();
        for (Node item : s.getValue()) {
          items.add(convert(item, path + "[" + items.size() + "]"));
        }
        yield new YNode.Seq(line, column, List.copyOf(items));
      }
      case MappingNode m -> convertMap(m, path, line, column);
      default -> new YNode.Bad(line, column);
    };
  }

  private YNode convertMap(MappingNode m, String path, int line, int column) {
    List<YNode.Entry> entries = new ArrayList<>();
    HashMap<String, Integer> seen = new HashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node k = t.getKeyNode();
      int kl = k.getStartMark().getLine() + 1;
      int kc = k.getStartMark().getColumn() + 1;
      if (!(k instanceof ScalarNode ks) || k.getAnchor() != null) {
        problems.add(file, kl, kc, path, "keys must be plain strings");
        continue;
      }
      String keyPath = path.isEmpty() ? ks.getValue() : path + "." + ks.getValue();
      Integer first = seen.putIfAbsent(ks.getValue(), kl);
      if (first != null) {
        problems.add(file, kl, kc, keyPath, "duplicate key '" + ks.getValue() + "' (first at line "
            + first + ")");
        continue;
      }
      YNode.Scalar key = new YNode.Scalar(kl, kc, ks.getValue(), false);
      entries.add(new YNode.Entry(key, convert(t.getValueNode(), keyPath)));
    }
    return new YNode.Map(line, column, List.copyOf(entries));
  }
}
