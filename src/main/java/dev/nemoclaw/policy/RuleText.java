package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Network rules as YAML flow mappings, the way a user pastes them into agent.yaml:
 * {@code {host: api.example.com, ports: [443]}}. Only what differs from the defaults is written
 * (methods, paths and binaries when set, {@code inspect: true}); a deny rule without ports covers
 * every port, so it has none.
 */
public final class RuleText {
  /** Plain scalars that YAML reads back as the same string (no quoting needed). */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9/_.-]+");

  private RuleText() {}

  public static String flow(AllowRule r) {
    StringBuilder b = new StringBuilder("{host: ").append(scalar(r.host().text()));
    b.append(", ports: ").append(r.ports());
    rest(b, r.methods(), r.paths(), r.binaries());
    if (r.inspect()) {
      b.append(", inspect: true");
    }
    return b.append('}').toString();
  }

  public static String flow(DenyRule r) {
    StringBuilder b = new StringBuilder("{host: ").append(scalar(r.host().text()));
    if (!r.ports().isEmpty()) {
      b.append(", ports: ").append(r.ports());
    }
    rest(b, r.methods(), r.paths(), r.binaries());
    return b.append('}').toString();
  }

  private static void rest(StringBuilder b, List<String> methods, List<String> paths,
      List<String> binaries) {
    list(b, "methods", methods);
    list(b, "paths", paths);
    list(b, "binaries", binaries);
  }

  private static void list(StringBuilder b, String key, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    b.append(", ").append(key).append(": [");
    for (int i = 0; i < values.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(scalar(values.get(i)));
    }
    b.append(']');
  }

  /** {@code *.x} (an alias in YAML), IPv6 addresses and globs are double-quoted. */
  static String scalar(String s) {
    if (PLAIN.matcher(s).matches() && !s.equals("-")) {
      return s;
    }
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
