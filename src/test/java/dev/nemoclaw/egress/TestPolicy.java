package dev.nemoclaw.egress;

import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A small stand-in for the compiled policy: hosts it allows, hosts it denies, addresses it names.
 * Remembers every request it was asked about.
 */
record TestPolicy(
    Predicate<String> allowHost,
    Set<String> denyHosts,
    Set<String> namedAddresses,
    List<EgressRequest> seen)
    implements EgressPolicy {

  static TestPolicy allowing(Set<String> hosts, Set<String> named) {
    return new TestPolicy(hosts::contains, Set.of(), named, new CopyOnWriteArrayList<>());
  }

  /** Every name allowed, no address named: only the SSRF guard stands in the way. */
  static TestPolicy allowAllNames() {
    return new TestPolicy(h -> true, Set.of(), Set.of(), new CopyOnWriteArrayList<>());
  }

  TestPolicy denying(String host) {
    java.util.HashSet<String> d = new java.util.HashSet<>(denyHosts);
    d.add(host);
    return new TestPolicy(allowHost, Set.copyOf(d), namedAddresses, seen);
  }

  @Override
  public Decision decide(EgressRequest r) {
    seen.add(r);
    if (denyHosts.contains(r.host())) {
      return new Decision.Deny("network.deny[0] " + r.host(), r.host() + " is denied by the test",
          "remove it from network.deny");
    }
    if (allowHost.test(r.host())) {
      return new Decision.Allow("network.allow[0] " + r.host(), "allowed", false);
    }
    return new Decision.Unknown("network.unknown",
        "no rule covers " + r.host() + ":" + r.port(),
        "add {host: " + r.host() + ", ports: [" + r.port() + "]} to network.allow");
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    return namedAddresses.contains(Destination.canonical(address));
  }
}
