package dev.nemoclaw.policy;

import dev.nemoclaw.spec.HostPattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Finds the rules whose host pattern covers a destination without looking at the others: exact
 * names in a hash map, {@code *.suffix} patterns by walking the labels of the host (each proper
 * suffix is one lookup, so the apex and look-alikes such as {@code evilexample.com} never reach
 * {@code *.example.com}), addresses and CIDR blocks in one hash map per prefix length present.
 * Immutable once built.
 */
final class HostIndex {
  private static final Rule[] NONE = new Rule[0];

  /** The rules one key selects, deny rules and allow rules apart, each in rule order. */
  record Bucket(Rule[] deny, Rule[] allow) {}

  /** A CIDR key: the masked network and its prefix length. */
  private record Net(boolean v4, int prefix, long hi, long lo) {}

  private final Map<String, Bucket> exact;
  private final Map<String, Bucket> suffixes;
  private final Map<Net, Bucket> nets;
  /** Prefix lengths present, longest first. */
  private final int[] v4Prefixes;
  private final int[] v6Prefixes;

  private HostIndex(Map<String, Bucket> exact, Map<String, Bucket> suffixes, Map<Net, Bucket> nets,
      int[] v4Prefixes, int[] v6Prefixes) {
    this.exact = exact;
    this.suffixes = suffixes;
    this.nets = nets;
    this.v4Prefixes = v4Prefixes;
    this.v6Prefixes = v6Prefixes;
  }

  static HostIndex build(List<Rule> rules) {
    Map<Object, List<Rule>[]> keyed = new HashMap<>();
    TreeSet<Integer> v4 = new TreeSet<>();
    TreeSet<Integer> v6 = new TreeSet<>();
    for (Rule r : rules) {
      Object key = switch (r.host) {
        case HostPattern.Name n -> "=" + n.name();
        case HostPattern.Suffix s -> "*" + s.suffix();
        case HostPattern.Address a -> net(Ip.parse(a.address()).orElseThrow(
            () -> new IllegalArgumentException("not an IP address: " + a.address())), -1);
        case HostPattern.Cidr c -> net(Ip.parse(c.network()).orElseThrow(
            () -> new IllegalArgumentException("not an IP address: " + c.network())),
            c.prefixLength());
      };
      if (key instanceof Net n) {
        (n.v4() ? v4 : v6).add(n.prefix());
      }
      @SuppressWarnings("unchecked")
      List<Rule>[] lists = keyed.computeIfAbsent(key,
          k -> new List[] {new ArrayList<Rule>(), new ArrayList<Rule>()});
      lists[r.deny ? 0 : 1].add(r);
    }
    Map<String, Bucket> exact = new HashMap<>();
    Map<String, Bucket> suffixes = new HashMap<>();
    Map<Net, Bucket> nets = new HashMap<>();
    keyed.forEach((key, lists) -> {
      Bucket b = new Bucket(lists[0].toArray(NONE), lists[1].toArray(NONE));
      switch (key) {
        case String s when s.startsWith("=") -> exact.put(s.substring(1), b);
        case String s -> suffixes.put(s.substring(1), b);
        case Net n -> nets.put(n, b);
        default -> throw new IllegalStateException();
      }
    });
    return new HostIndex(Map.copyOf(exact), Map.copyOf(suffixes), Map.copyOf(nets),
        v4.descendingSet().stream().mapToInt(Integer::intValue).toArray(),
        v6.descendingSet().stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * The key of an address ({@code prefix} -1) or CIDR block, masked (a block written with host
   * bits set, {@code 10.1.2.3/8}, is {@code 10.0.0.0/8}). The spec refuses IPv4-mapped blocks; an
   * IPv4 network with an IPv6 prefix length is still read as the mapped block it would be.
   */
  private static Net net(Ip ip, int prefix) {
    int p = prefix < 0 ? ip.bits() : prefix;
    if (ip.v4() && p > 32) {
      p = Math.max(0, p - 96);
    }
    Ip m = ip.masked(p);
    return new Net(m.v4(), p, m.hi(), m.lo());
  }

  /** Every bucket whose pattern covers the DNS name {@code host} (lower case, no final dot). */
  void name(String host, Consumer<Bucket> visit) {
    Bucket b = exact.get(host);
    if (b != null) {
      visit.accept(b);
    }
    if (suffixes.isEmpty()) {
      return;
    }
    for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
      b = suffixes.get(host.substring(i + 1));
      if (b != null) {
        visit.accept(b);
      }
    }
  }

  /** Every bucket whose address or block holds {@code ip}. */
  void address(Ip ip, Consumer<Bucket> visit) {
    for (int p : ip.v4() ? v4Prefixes : v6Prefixes) {
      Ip m = ip.masked(p);
      Bucket b = nets.get(new Net(m.v4(), p, m.hi(), m.lo()));
      if (b != null) {
        visit.accept(b);
      }
    }
  }
}
