package dev.nemoclaw.privacy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** The guard of a run whose agent.yaml enables privacy scanning. */
final class ScanningGuard implements PrivacyGuard {
  private final Scanner scanner;
  private final PrivacyAction action;
  private final Set<PrivacyScope> scope;

  ScanningGuard(Privacy spec) {
    this.scanner = Scanner.of(spec.detectors());
    this.action = spec.action();
    this.scope = Set.copyOf(spec.scope());
  }

  @Override
  public boolean covers(PrivacyScope s) {
    return scope.contains(s);
  }

  @Override
  public Verdict check(PrivacyScope s, String text) {
    if (!covers(s)) {
      return new Verdict.Clean();
    }
    List<Finding> findings = scanner.scan(text);
    return verdict(findings, () -> mask(text, findings));
  }

  @Override
  public Verdict checkJson(PrivacyScope s, String json) {
    if (!covers(s)) {
      return new Verdict.Clean();
    }
    Optional<JsonNode> tree = Json.parse(json);
    if (tree.isEmpty()) {
      return check(s, json);
    }
    List<Finding> findings = new ArrayList<>();
    JsonNode root = scanValues(tree.get(), "", findings);
    return verdict(findings, () -> Json.write(root));
  }

  private Verdict verdict(List<Finding> findings, Supplier<String> masked) {
    if (findings.isEmpty()) {
      return new Verdict.Clean();
    }
    return switch (action) {
      case AUDIT -> new Verdict.Audited(findings);
      case MASK -> new Verdict.Masked(masked.get(), findings);
      case BLOCK -> new Verdict.Blocked(findings);
    };
  }

  /**
   * Scans the string values (and integers: a card number may be sent as one) under {@code node},
   * the value of member {@code key} ("" for array elements and the root), into
   * {@code findings}; with {@code action: mask} replaces each value that has findings by its
   * masked text. Returns the node to put in the parent's place. Keys are not scanned: masking
   * one could merge two members into one, and agents put data in values.
   */
  private JsonNode scanValues(JsonNode node, String key, List<Finding> findings) {
    switch (node) {
      case ObjectNode o -> {
        for (Map.Entry<String, JsonNode> e : o.properties()) {
          e.setValue(scanValues(e.getValue(), e.getKey(), findings));
        }
      }
      case ArrayNode a -> {
        for (int k = 0; k < a.size(); k++) {
          a.set(k, scanValues(a.get(k), "", findings));
        }
      }
      default -> {
        if (node.isTextual() || node.isIntegralNumber()) {
          String text = node.asText();
          List<Finding> found = scanner.scanMember(key, text);
          findings.addAll(found);
          if (!found.isEmpty() && action == PrivacyAction.MASK) {
            return TextNode.valueOf(mask(text, found));
          }
        }
      }
    }
    return node;
  }

  /** {@code text} with each finding replaced by {@code [REDACTED:<detector>]}. */
  static String mask(String text, List<Finding> findings) {
    StringBuilder b = new StringBuilder(text.length());
    int from = 0;
    for (Finding f : findings) {
      b.append(text, from, f.start()).append("[REDACTED:").append(f.detector()).append(']');
      from = f.end();
    }
    return b.append(text, from, text.length()).toString();
  }

  /**
   * JSON as the guard reads it: strictly, and keeping numbers as written. A tree keeps only the
   * last of duplicate keys, so the others would go out unscanned under audit or block; with
   * them, or with trailing content, the text counts as not JSON and is scanned whole. Built on
   * first use: Jackson's set-up costs tens of milliseconds, which runs without privacy skip.
   */
  private static final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
        .build();

    static Optional<JsonNode> parse(String json) {
      try {
        JsonNode tree = MAPPER.readTree(json);
        return tree == null || tree.isMissingNode() ? Optional.empty() : Optional.of(tree);
      } catch (JacksonException e) {
        return Optional.empty();
      }
    }

    static String write(JsonNode tree) {
      try {
        return MAPPER.writeValueAsString(tree);
      } catch (JacksonException e) {
        throw new IllegalStateException("a JSON tree that was just read could not be written", e);
      }
    }
  }
}
