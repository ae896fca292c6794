package dev.nemoclaw.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The JSON shapes of docs/policy-store.md: a revision file, a rule set and a rule. The CLI's
 * {@code -o json} uses the same shapes, so there is one schema to learn.
 */
public final class RevisionJson {
  /** The {@code format} of a revision file this code writes and reads. */
  public static final int FORMAT = 1;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private RevisionJson() {}

  public static ObjectNode toJson(Revision r) {
    ObjectNode o = F.objectNode();
    o.put("format", FORMAT);
    o.put("revision", r.number());
    o.put("time", r.time().toString());
    o.put("author", r.author());
    o.put("channel", r.channel());
    o.put("reason", r.reason());
    if (r.rollbackTo().isPresent()) {
      o.put("rollbackTo", r.rollbackTo().getAsInt());
    } else {
      o.putNull("rollbackTo");
    }
    o.set("added", toJson(r.added()));
    o.set("removed", toJson(r.removed()));
    o.set("rules", toJson(r.rules()));
    return o;
  }

  public static ObjectNode toJson(RuleSet s) {
    ObjectNode o = F.objectNode();
    ArrayNode allow = o.putArray("allow");
    s.allow().forEach(r -> allow.add(toJson(r)));
    ArrayNode deny = o.putArray("deny");
    s.deny().forEach(r -> deny.add(toJson(r)));
    return o;
  }

  public static ObjectNode toJson(StoredRule r) {
    ObjectNode o = F.objectNode();
    o.put("revision", r.revision());
    o.put("index", r.index());
    o.put("name", r.name());
    o.put("text", r.text());
    switch (r) {
      case StoredRule.Allow a -> {
        AllowRule x = a.rule();
        o.put("host", x.host().text());
        ints(o.putArray("ports"), x.ports());
        strings(o.putArray("methods"), x.methods());
        strings(o.putArray("paths"), x.paths());
        strings(o.putArray("binaries"), x.binaries());
        o.put("inspect", x.inspect());
      }
      case StoredRule.Deny d -> {
        DenyRule x = d.rule();
        o.put("host", x.host().text());
        ints(o.putArray("ports"), x.ports());
        strings(o.putArray("methods"), x.methods());
        strings(o.putArray("paths"), x.paths());
        strings(o.putArray("binaries"), x.binaries());
      }
    }
    return o;
  }

  /**
   * Reads a revision file's JSON.
   *
   * @throws IllegalArgumentException naming the first field that is missing or wrong
   */
  public static Revision revision(JsonNode o) {
    if (!o.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int format = integer(o, "format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("format " + format + " is not supported (this nemoclaw"
          + " reads format " + FORMAT + ")");
    }
    JsonNode back = o.get("rollbackTo");
    OptionalInt rollbackTo = back == null || back.isNull() ? OptionalInt.empty()
        : OptionalInt.of(integer(o, "rollbackTo"));
    Instant time;
    try {
      time = Instant.parse(text(o, "time"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("time: not an ISO-8601 instant");
    }
    return new Revision(integer(o, "revision"), time, text(o, "author"), text(o, "channel"),
        text(o, "reason"), rollbackTo, ruleSet(o, "added"), ruleSet(o, "removed"),
        ruleSet(o, "rules"));
  }

  private static RuleSet ruleSet(JsonNode parent, String field) {
    JsonNode s = parent.get(field);
    if (s == null || !s.isObject()) {
      throw new IllegalArgumentException(field + ": missing or not an object");
    }
    return new RuleSet(items(s, field, "allow", RevisionJson::allow),
        items(s, field, "deny", RevisionJson::deny));
  }

  private static <T> List<T> items(JsonNode s, String field, String kind,
      Function<JsonNode, T> read) {
    JsonNode a = s.get(kind);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException(field + "." + kind + ": missing or not an array");
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      try {
        out.add(read.apply(a.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + "." + kind + "[" + i + "]." + e.getMessage(), e);
      }
    }
    return out;
  }

  private static StoredRule.Allow allow(JsonNode o) {
    AllowRule r = new AllowRule(host(o), ints(o, "ports"), strings(o, "methods"),
        strings(o, "paths"), strings(o, "binaries"), bool(o, "inspect"));
    if (r.ports().isEmpty()) {
      throw new IllegalArgumentException("ports: an allow rule needs at least one port");
    }
    return new StoredRule.Allow(integer(o, "revision"), integer(o, "index"), r);
  }

  private static StoredRule.Deny deny(JsonNode o) {
    DenyRule r = new DenyRule(host(o), ints(o, "ports"), strings(o, "methods"),
        strings(o, "paths"), strings(o, "binaries"));
    return new StoredRule.Deny(integer(o, "revision"), integer(o, "index"), r);
  }

  private static HostPattern host(JsonNode o) {
    try {
      return HostPattern.parse(text(o, "host"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("host: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(field + ": missing or not a string");
    }
    return v.asText();
  }

  private static int integer(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || !v.isInt()) {
      throw new IllegalArgumentException(field + ": missing or not an integer");
    }
    return v.intValue();
  }

  private static boolean bool(JsonNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || !v.isBoolean()) {
      throw new IllegalArgumentException(field + ": missing or not true/false");
    }
    return v.booleanValue();
  }

  private static List<Integer> ints(JsonNode o, String field) {
    JsonNode a = o.get(field);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException(field + ": missing or not an array");
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode v : a) {
      if (!v.isInt() || v.intValue() < 1 || v.intValue() > 65535) {
        throw new IllegalArgumentException(field + ": " + v + " is not a port 1..65535");
      }
      out.add(v.intValue());
    }
    return out;
  }

  private static List<String> strings(JsonNode o, String field) {
    JsonNode a = o.get(field);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException(field + ": missing or not an array");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode v : a) {
      if (!v.isTextual()) {
        throw new IllegalArgumentException(field + ": " + v + " is not a string");
      }
      out.add(v.asText());
    }
    return out;
  }

  private static void ints(ArrayNode a, List<Integer> values) {
    values.forEach(a::add);
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
