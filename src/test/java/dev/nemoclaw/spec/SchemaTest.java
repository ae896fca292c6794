package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/agent.schema.json must describe exactly the keys the loader accepts, with its defaults. */
class SchemaTest {
  static JsonNode schema;

  @BeforeAll
  static void read() throws Exception {
    schema = new ObjectMapper().readTree(Path.of("docs/agent.schema.json").toFile());
  }

  static JsonNode object(String def) {
    return def.isEmpty() ? schema : schema.path("$defs").path(def);
  }

  static Set<String> keys(JsonNode obj) {
    Set<String> out = new HashSet<>();
    obj.path("properties").fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void everyLoaderShapeMatchesTheSchema() {
    for (Shape shape : Shape.values()) {
      shape.schemaDef().ifPresent(def -> {
        JsonNode obj = object(def);
        assertFalse(obj.isMissingNode(), "schema lacks $defs/" + def);
        assertEquals(Set.copyOf(shape.keys()), keys(obj), "keys of " + shape + " vs schema");
        assertFalse(obj.path("additionalProperties").asBoolean(true),
            def + " must have additionalProperties: false");
      });
    }
  }

  @Test
  void everySchemaObjectIsALoaderShape() {
    Set<String> shapes = Arrays.stream(Shape.values())
        .flatMap(s -> s.schemaDef().stream()).collect(Collectors.toSet());
    schema.path("$defs").fieldNames().forEachRemaining(def ->
        assertTrue(shapes.contains(def), "schema $defs/" + def + " has no loader Shape"));
    assertEquals("https://json-schema.org/draft/2020-12/schema", schema.path("$schema").asText());
  }

  @Test
  void defaultsMatch() {
    JsonNode root = schema.path("properties");
    assertEquals(Defaults.WORKDIR, root.path("workdir").path("default").asText());
    assertEquals(Defaults.USER.toString(), root.path("user").path("default").asText());
    assertEquals(Defaults.BACKEND.yaml(), root.path("backend").path("default").asText());
    assertEquals(Defaults.PIDS, object("resources").path("properties").path("pids")
        .path("default").asInt());
    assertEquals(Defaults.MEMORY, Values.size(object("resources").path("properties")
        .path("memory").path("default").asText()));
    assertEquals(Defaults.APPROVAL_TIMEOUT, Values.duration(object("network").path("properties")
        .path("approvalTimeout").path("default").asText()));
    assertEquals(Defaults.UNKNOWN.yaml(), object("network").path("properties").path("unknown")
        .path("default").asText());
    assertEquals(Defaults.LANDLOCK.yaml(), object("security").path("properties")
        .path("landlock").path("default").asText());
    assertEquals(Defaults.SECCOMP, object("security").path("properties").path("seccomp")
        .path("default").asText());
    assertEquals(Defaults.PRIVACY_ACTION.yaml(), object("privacy").path("properties")
        .path("action").path("default").asText());
  }

  @Test
  void enumsMatch() {
    assertEquals(Values.allowed(ToolAction.class), join(object("toolRule"), "action"));
    assertEquals(Values.allowed(Provider.class), join(object("route"), "provider"));
    assertEquals(Values.allowed(LandlockMode.class), join(object("security"), "landlock"));
    assertEquals(Values.allowed(PrivacyAction.class), join(object("privacy"), "action"));
    assertEquals(String.join(", ", Values.HTTP_METHODS),
        String.join(", ", texts(object("allowRule").path("properties").path("methods")
            .path("items").path("enum"))));
  }

  private static String join(JsonNode obj, String key) {
    return String.join(", ", texts(obj.path("properties").path(key).path("enum")));
  }

  private static java.util.List<String> texts(JsonNode arr) {
    java.util.List<String> out = new java.util.ArrayList<>();
    arr.forEach(n -> out.add(n.asText()));
    return out;
  }
}
