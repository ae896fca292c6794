package dev.nemoclaw.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The package's one JSON mapper (configured once, then only read: thread-safe). */
final class Json {
  /**
   * Request bodies are parsed and written back with a rewritten {@code model}: decimals stay
   * BigDecimal, unnormalized, so {@code "temperature": 0.1} and {@code "top_p": 1.0} reach the
   * provider exactly as the agent wrote them (not as 0.1000000000000000055 or 1).
   */
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** The JSON object in {@code text}, or empty when it is not one. */
  static Optional<ObjectNode> parseObject(String text) {
    try {
      return MAPPER.readTree(text) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  static Optional<ObjectNode> parseObject(byte[] bytes) {
    return parseObject(new String(bytes, StandardCharsets.UTF_8));
  }

  static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree did not serialize", e);
    }
  }
}
