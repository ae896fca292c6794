package dev.nemoclaw.spec;

import java.util.List;

/**
 * Egress the sandbox may use. Empty {@code methods}, {@code paths} or {@code binaries} mean "any";
 * {@code ports} is never empty (it defaults to 443).
 */
public record AllowRule(
    HostPattern host,
    List<Integer> ports,
    List<String> methods,
    List<String> paths,
    List<String> binaries,
    boolean inspect) {
  public AllowRule {
    ports = List.copyOf(ports);
    methods = List.copyOf(methods);
    paths = List.copyOf(paths);
    binaries = List.copyOf(binaries);
  }
}
