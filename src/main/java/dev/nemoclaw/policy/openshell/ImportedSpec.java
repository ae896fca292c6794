package dev.nemoclaw.policy.openshell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.policy.RuleText;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link OpenShellImport} made of a policy: a complete agent.yaml (with a placeholder
 * command) and the findings. {@link #yaml()} writes it with each finding as a {@code # note:}
 * comment above the entry it concerns (or in the header when nothing was emitted for it);
 * {@link #json()} gives {@code {spec, findings}}.
 */
public record ImportedSpec(
    String source,
    String name,
    Optional<String> description,
    Optional<String> user,
    Optional<String> landlock,
    Optional<List<Item<String>>> tmpfs,
    List<Item<AllowRule>> allow,
    List<Item<DenyRule>> deny,
    List<Finding> findings) {

  /** Imports cannot know the agent: this command says so and fails, until it is replaced. */
  public static final List<String> PLACEHOLDER_COMMAND = List.of("sh", "-c",
      "echo 'nemoclaw: imported from an OpenShell policy; set command: in agent.yaml' >&2; exit 2");
  static final String TMPFS_SIZE = "256Mi";

  /** An emitted entry and the OpenShell node it came from. */
  public record Item<T>(T value, int line, String path) {}

  public ImportedSpec {
    tmpfs = tmpfs.map(List::copyOf);
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
    findings = List.copyOf(findings);
  }

  /** The agent.yaml text. */
  public String yaml() {
    List<Item<?>> items = new ArrayList<>();
    tmpfs.ifPresent(items::addAll);
    items.addAll(allow);
    items.addAll(deny);
    // each finding once: above the first entry made from its node (or a parent), else the header
    java.util.Map<Item<?>, List<Finding>> attached = new java.util.IdentityHashMap<>();
    List<Finding> header = new ArrayList<>();
    Set<Finding> placed = new HashSet<>();
    for (Finding f : findings) {
      Optional<Item<?>> at = items.stream().filter(i -> within(f.path(), i.path())).findFirst();
      if (at.isPresent() && placed.add(f)) {
        attached.computeIfAbsent(at.get(), k -> new ArrayList<>()).add(f);
      } else if (at.isEmpty()) {
        header.add(f);
      }
    }
    StringBuilder y = new StringBuilder();
    y.append("# agent.yaml imported from the OpenShell policy ").append(source).append('\n');
    description.ifPresent(d -> y.append("# (").append(oneLine(d)).append(")\n"));
    y.append("# by `nemoclaw policy import`. Nothing here allows more than the source; every\n");
    y.append("# `# note:` marks what nemoclaw cannot express exactly and what was done instead.\n");
    y.append("# Replace the placeholder command with the agent to run.\n");
    if (findings.isEmpty()) {
      y.append("# Converted exactly: no notes.\n");
    } else {
      y.append("# ").append(findings.size()).append(findings.size() == 1 ? " note" : " notes")
          .append(" in all.\n");
    }
    for (Finding f : header) {
      y.append("# note: ").append(oneLine(f.render())).append('\n');
    }
    y.append("apiVersion: nemoclaw.dev/v1\n");
    y.append("name: ").append(name).append('\n');
    y.append("command: [");
    for (int i = 0; i < PLACEHOLDER_COMMAND.size(); i++) {
      y.append(i == 0 ? "" : ", ").append(quoted(PLACEHOLDER_COMMAND.get(i)));
    }
    y.append("]   # placeholder\n");
    user.ifPresent(u -> y.append("user: \"").append(u).append("\"\n"));
    tmpfs.ifPresent(t -> {
      if (t.isEmpty()) {
        y.append("tmpfs: []\n");
        return;
      }
      y.append("tmpfs:\n");
      for (Item<String> i : t) {
        entry(y, i, attached, "{target: " + RuleTextAccess.scalar(i.value()) + ", size: "
            + TMPFS_SIZE + "}");
      }
    });
    landlock.ifPresent(l -> y.append("security:\n  landlock: ").append(l).append('\n'));
    y.append("network:\n");
    y.append("  mode: proxy\n");
    y.append("  unknown: deny   # OpenShell denies what no rule allows\n");
    if (allow.isEmpty()) {
      y.append("  allow: []\n");
    } else {
      y.append("  allow:\n");
      for (Item<AllowRule> i : allow) {
        entry(y, i, attached, RuleText.flow(i.value()));
      }
    }
    if (!deny.isEmpty()) {
      y.append("  deny:\n");
      for (Item<DenyRule> i : deny) {
        entry(y, i, attached, RuleText.flow(i.value()));
      }
    }
    return y.toString();
  }

  private static void entry(StringBuilder y, Item<?> i, java.util.Map<Item<?>, List<Finding>> notes,
      String flow) {
    String indent = i.value() instanceof String ? "  " : "    ";
    y.append(indent).append("# from ").append(i.path()).append(" (line ").append(i.line())
        .append(")\n");
    for (Finding f : notes.getOrDefault(i, List.of())) {
      y.append(indent).append("# note: ").append(oneLine(f.render())).append('\n');
    }
    y.append(indent).append("- ").append(flow).append('\n');
  }

  /** Whether {@code path} is {@code parent} or lies inside it. */
  static boolean within(String path, String parent) {
    return path.equals(parent) || path.startsWith(parent + ".") || path.startsWith(parent + "[");
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** {@code {spec: {...agent.yaml...}, findings: [{line, path, message, action}]}}. */
  public ObjectNode json() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode spec = f.objectNode();
    spec.put("apiVersion", "nemoclaw.dev/v1");
    spec.put("name", name);
    ArrayNode cmd = spec.putArray("command");
    PLACEHOLDER_COMMAND.forEach(cmd::add);
    user.ifPresent(u -> spec.put("user", u));
    tmpfs.ifPresent(t -> {
      ArrayNode a = spec.putArray("tmpfs");
      t.forEach(i -> a.addObject().put("target", i.value()).put("size", TMPFS_SIZE));
    });
    landlock.ifPresent(l -> spec.putObject("security").put("landlock", l));
    ObjectNode net = spec.putObject("network");
    net.put("mode", "proxy");
    net.put("unknown", "deny");
    ArrayNode a = net.putArray("allow");
    for (Item<AllowRule> i : allow) {
      AllowRule r = i.value();
      ObjectNode o = rule(a.addObject(), r.host().text(), r.ports(), r.methods(), r.paths(),
          r.binaries());
      if (r.inspect()) {
        o.put("inspect", true);
      }
    }
    if (!deny.isEmpty()) {
      ArrayNode d = net.putArray("deny");
      for (Item<DenyRule> i : deny) {
        DenyRule r = i.value();
        rule(d.addObject(), r.host().text(), r.ports(), r.methods(), r.paths(), r.binaries());
      }
    }
    ObjectNode out = f.objectNode();
    out.set("spec", spec);
    ArrayNode fs = out.putArray("findings");
    for (Finding x : findings) {
      fs.addObject().put("line", x.line()).put("path", x.path()).put("message", x.message())
          .put("action", x.action().name());
    }
    return out;
  }

  private static ObjectNode rule(ObjectNode o, String host, List<Integer> ports,
      List<String> methods, List<String> paths, List<String> binaries) {
    o.put("host", host);
    if (!ports.isEmpty()) {
      ports.forEach(o.putArray("ports")::add);
    }
    if (!methods.isEmpty()) {
      methods.forEach(o.putArray("methods")::add);
    }
    if (!paths.isEmpty()) {
      paths.forEach(o.putArray("paths")::add);
    }
    if (!binaries.isEmpty()) {
      binaries.forEach(o.putArray("binaries")::add);
    }
    return o;
  }

  /** RuleText's quoting, for the tmpfs targets written the same way. */
  private static final class RuleTextAccess {
    static String scalar(String s) {
      return s.matches("[A-Za-z0-9/_.-]+") ? s
          : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }
}
