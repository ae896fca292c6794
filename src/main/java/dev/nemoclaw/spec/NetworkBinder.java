package dev.nemoclaw.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Binds {@code network}, loading the presets it names. */
final class NetworkBinder {
  private final Bind b;
  private final Presets presets;
  private final Problems problems;

  NetworkBinder(Bind b, Presets presets, Problems problems) {
    this.b = b;
    this.presets = presets;
    this.problems = problems;
  }

  static Network defaults() {
    return new Network(Defaults.NETWORK_MODE, List.of(), List.of(), List.of(), Defaults.UNKNOWN,
        Defaults.APPROVAL_TIMEOUT);
  }

  Network bind(Optional<YNode> node) {
    Optional<YNode.Map> section = node.flatMap(n -> b.map(n, "network", Shape.NETWORK));
    if (section.isEmpty()) {
      return defaults();
    }
    YNode.Map m = section.get();
    String f = "network";
    RuleBinder rules = new RuleBinder(b);
    return new Network(
        b.enumField(m, f, "mode", NetworkMode.class).orElse(Defaults.NETWORK_MODE),
        b.list(m, f, "presets", (n, field) -> b.text(n, field)
            .map(name -> new Named(n, field, name))).map(this::loadPresets).orElse(List.of()),
        b.list(m, f, "allow", rules::allowRule).orElse(List.of()),
        b.list(m, f, "deny", rules::denyRule).orElse(List.of()),
        b.enumField(m, f, "unknown", UnknownAction.class).orElse(Defaults.UNKNOWN),
        b.field(m, f, "approvalTimeout", Values::duration).orElse(Defaults.APPROVAL_TIMEOUT));
  }

  private record Named(YNode node, String field, String name) {}

  private List<Preset> loadPresets(List<Named> names) {
    List<String> available = presets.names();
    Set<String> seen = new HashSet<>();
    List<Preset> out = new ArrayList<>();
    for (Named n : names) {
      if (!available.contains(n.name())) {
        b.error(n.node(), n.field(), presets.unknown(n.name()));
      } else if (!seen.add(n.name())) {
        b.error(n.node(), n.field(), "preset '" + n.name() + "' is listed twice");
      } else {
        presets.read(n.name(), problems).ifPresent(out::add);
      }
    }
    return out;
  }
}
