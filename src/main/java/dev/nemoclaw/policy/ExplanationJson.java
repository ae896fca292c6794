package dev.nemoclaw.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code policy explain -o json}, the same whether the policy was compiled from files or asked of
 * a running sandbox: {@code {verdict (allow|deny|unknown), rule, reason, hint (null when
 * allowed), inspect, layer (org|team|agent), revision (null unless a stored rule decided), file
 * (the layer file, or null), shadowed: [rule names]}}.
 */
public final class ExplanationJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ExplanationJson() {}

  public static ObjectNode of(LayeredPolicy.Explanation x) {
    Decision d = x.decision();
    ObjectNode o = JSON.createObjectNode();
    o.put("verdict", switch (d) {
      case Decision.Allow a -> "allow";
      case Decision.Deny n -> "deny";
      case Decision.Unknown u -> "unknown";
    });
    o.put("rule", d.rule());
    o.put("reason", d.reason());
    switch (d) {
      case Decision.Allow a -> o.putNull("hint");
      case Decision.Deny n -> o.put("hint", n.hint());
      case Decision.Unknown u -> o.put("hint", u.hint());
    }
    o.put("inspect", d instanceof Decision.Allow a && a.inspect());
    o.put("layer", x.layer());
    if (x.revision().isPresent()) {
      o.put("revision", x.revision().getAsInt());
    } else {
      o.putNull("revision");
    }
    if (x.file().isPresent()) {
      o.put("file", x.file().get().toString());
    } else {
      o.putNull("file");
    }
    ArrayNode shadowed = o.putArray("shadowed");
    x.shadowed().forEach(shadowed::add);
    return o;
  }
}
