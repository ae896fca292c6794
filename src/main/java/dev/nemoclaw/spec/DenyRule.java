package dev.nemoclaw.spec;

import java.util.List;

/**
 * Egress that is always refused, whatever allows it. Unlike an allow rule, empty {@code ports}
 * means every port: a deny rule without ports blocks the whole host.
 */
public record DenyRule(
    HostPattern host,
    List<Integer> ports,
    List<String> methods,
    List<String> paths,
    List<String> binaries) {
  public DenyRule {
    ports = List.copyOf(ports);
    methods = List.copyOf(methods);
    paths = List.copyOf(paths);
    binaries = List.copyOf(binaries);
  }
}
