package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One network rule, compiled: ports sorted, methods upper-cased, globs compiled once. {@code order}
 * is its place among the rules of its kind (allow rules in {@code Network.effectiveAllow()} order,
 * deny rules in {@code network.deny} order); the lowest order decides when several match.
 */
final class Rule {
  final boolean deny;
  final int order;
  final String name;
  final HostPattern host;
  /** Sorted; empty only for a deny rule, meaning every port. */
  final int[] ports;
  final Set<String> methods;
  /** As written, for messages. */
  final List<String> methodList;
  final List<String> paths;
  final Pattern[] globs;
  final Set<String> binaries;
  final List<String> binaryList;
  final boolean inspect;

  private Rule(boolean deny, int order, String name, HostPattern host, List<Integer> ports,
      List<String> methods, List<String> paths, List<String> binaries, boolean inspect) {
    this.deny = deny;
    this.order = order;
    this.name = name;
    this.host = host;
    this.ports = ports.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
    this.methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    this.methodList = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
    this.paths = List.copyOf(paths);
    this.globs = paths.stream().map(UrlPath::glob).toArray(Pattern[]::new);
    this.binaries = Set.copyOf(binaries);
    this.binaryList = List.copyOf(binaries);
    this.inspect = inspect;
  }

  static Rule allow(int order, String name, AllowRule r) {
    return new Rule(false, order, name, r.host(), r.ports(), r.methods(), r.paths(),
        r.binaries(), r.inspect());
  }

  static Rule deny(int order, String name, DenyRule r) {
    return new Rule(true, order, name, r.host(), r.ports(), r.methods(), r.paths(), r.binaries(),
        false);
  }

  boolean coversPort(int port) {
    return ports.length == 0 || Arrays.binarySearch(ports, port) >= 0;
  }

  /** Whether the rule restricts methods or paths, which only plain or inspected HTTP shows. */
  boolean l7() {
    return !methods.isEmpty() || globs.length > 0;
  }

  /**
   * {@code path} is canonical (see {@link UrlPath#canonical}) and {@code bare} the same without
   * {@code ;params}: an allow rule must cover both readings, a deny rule either.
   */
  boolean pathMatches(String path, String bare) {
    boolean p = matchesAny(path);
    if (bare.equals(path)) {
      return p;
    }
    boolean b = matchesAny(bare);
    return deny ? p || b : p && b;
  }

  private boolean matchesAny(String path) {
    for (Pattern g : globs) {
      if (g.matcher(path).matches()) {
        return true;
      }
    }
    return false;
  }

  String portsText() {
    return ports.length == 0 ? "every port" : Arrays.toString(ports);
  }

  @Override
  public String toString() {
    return name;
  }
}
