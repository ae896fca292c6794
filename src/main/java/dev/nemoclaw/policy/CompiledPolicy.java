package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.Preset;
import dev.nemoclaw.spec.UnknownAction;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The network policy of one sandbox, compiled from {@code spec.Network} for decisions in
 * microseconds whatever the number of rules. Immutable and thread-safe.
 *
 * <p>How a request is decided, in this order:
 *
 * <ol>
 *   <li>A deny rule that covers it refuses it, whatever allows it. A deny rule's conditions the
 *       policy cannot check fail closed: binaries with an unknown executable, a path that is
 *       refused (see {@link UrlPath}), and methods or paths on a CONNECT tunnel — the last unless
 *       an allow rule with {@code inspect: true} lets the tunnel through, so each request inside
 *       is decided with its method and path.
 *   <li>An allow rule that covers it allows it (for a tunnel, a matching rule with
 *       {@code inspect: true} is preferred, so the tunnel is inspected). An allow rule with
 *       binaries needs a known executable; one with methods or paths needs a request that shows
 *       them (plain HTTP, or inside an inspected tunnel), or {@code inspect: true} for the tunnel.
 *   <li>An allow rule with methods or paths that would cover a tunnel but for its hidden methods
 *       and paths refuses it: asking would not help, the rule needs L7 visibility.
 *   <li>Otherwise no rule covers it: {@link Decision.Unknown}, for {@code network.unknown}.
 * </ol>
 *
 * <p>Host patterns compare only like with like: a name rule never matches an IP address, nor an
 * address rule a name, whatever the name resolves to.
 */
public final class CompiledPolicy implements EgressPolicy {
  private final boolean off;
  private final UnknownAction unknown;
  private final HostIndex index;
  private final int ruleCount;
  private final boolean inspects;

  private CompiledPolicy(boolean off, UnknownAction unknown, HostIndex index, int ruleCount,
      boolean inspects) {
    this.off = off;
    this.unknown = unknown;
    this.index = index;
    this.ruleCount = ruleCount;
    this.inspects = inspects;
  }

  /** agent.yaml's policy alone (its presets, allow and deny rules). */
  public static CompiledPolicy compile(Network network) {
    return compile(network, RuleSet.EMPTY);
  }

  /**
   * agent.yaml's policy with the rules operators added on top ({@link PolicyStore#current()}):
   * added allow rules come after agent.yaml's own (an earlier rule still decides first), added
   * deny rules after {@code network.deny}, and every deny rule still wins over every allow rule.
   * Added rules are named as {@link StoredRule#name()} says: {@code revision 3 allow[0] HOST}.
   */
  public static CompiledPolicy compile(Network network, RuleSet added) {
    List<Rule> rules = new ArrayList<>();
    int order = 0;
    for (Preset p : network.presets()) {
      List<AllowRule> allow = p.rules();
      for (int i = 0; i < allow.size(); i++) {
        rules.add(Rule.allow(order++, "preset " + p.name() + " allow[" + i + "] "
            + allow.get(i).host().text(), allow.get(i)));
      }
    }
    for (int i = 0; i < network.allow().size(); i++) {
      AllowRule r = network.allow().get(i);
      rules.add(Rule.allow(order++, "network.allow[" + i + "] " + r.host().text(), r));
    }
    for (StoredRule.Allow a : added.allow()) {
      rules.add(Rule.allow(order++, a.name(), a.rule()));
    }
    int denyOrder = 0;
    for (int i = 0; i < network.deny().size(); i++) {
      DenyRule r = network.deny().get(i);
      rules.add(Rule.deny(denyOrder++, "network.deny[" + i + "] " + r.host().text(), r));
    }
    for (StoredRule.Deny d : added.deny()) {
      rules.add(Rule.deny(denyOrder++, d.name(), d.rule()));
    }
    return of(network.mode() == NetworkMode.NONE, network.unknown(), rules);
  }

  /** Rules already named and ordered (a policy layer's scope group, see LayeredPolicy). */
  static CompiledPolicy of(boolean off, UnknownAction unknown, List<Rule> rules) {
    return new CompiledPolicy(off, unknown, HostIndex.build(rules), rules.size(),
        !off && rules.stream().anyMatch(r -> !r.deny && r.inspect));
  }

  /**
   * Whether an allow rule in force (a preset's, agent.yaml's or an added one) has
   * {@code inspect: true}: the run then needs the sandbox CA for TLS inspection.
   */
  public boolean inspects() {
    return inspects;
  }

  /** What becomes of a request no rule covers ({@link Decision.Unknown}): ask or deny. */
  public UnknownAction unknown() {
    return unknown;
  }

  /** How many rules (presets', agent.yaml's allow and deny, added ones) were compiled. */
  public int ruleCount() {
    return ruleCount;
  }

  @Override
  public Decision decide(EgressRequest request) {
    return evaluate(request, false, false).decision;
  }

  /**
   * The decision of a rule that covers the request, or null when none does — without building
   * the {@link Decision.Unknown} a caller would drop (a policy layer's scope group, which is
   * asked on every request of a run with layers).
   */
  Decision decideCovered(EgressRequest request) {
    return evaluate(request, false, true).decision;
  }

  /**
   * The decision and the other rules that also cover the request in full but did not decide
   * (shadowed by a deny rule, or by an earlier allow rule), for {@code nemoclaw policy explain}.
   */
  public Explanation explain(EgressRequest request) {
    Eval e = evaluate(request, true, false);
    List<String> also = e.matched.stream().filter(n -> !n.equals(e.decision.rule())).toList();
    return new Explanation(e.decision, also);
  }

  /** {@code alsoMatching}: rule names, in the order rules are considered. */
  public record Explanation(Decision decision, List<String> alsoMatching) {
    public Explanation {
      alsoMatching = List.copyOf(alsoMatching);
    }
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    if (off) {
      return false;
    }
    boolean[] allowed = {false};
    boolean[] denied = {false};
    index.address(Ip.of(address), b -> {
      for (Rule r : b.deny()) {
        denied[0] |= r.coversPort(port);
      }
      for (Rule r : b.allow()) {
        allowed[0] |= r.coversPort(port);
      }
    });
    return allowed[0] && !denied[0];
  }

  private Eval evaluate(EgressRequest request, boolean collect, boolean quiet) {
    Eval e = new Eval(request, collect);
    if (off) {
      e.decision = new Decision.Deny("network.mode: none",
          "The sandbox has no network (network.mode: none), so " + e.dest + " is refused.",
          "set network.mode: proxy in agent.yaml and allow " + e.host + " in network.allow");
      return e;
    }
    if (e.invalid != null) {
      e.decision = new Decision.Deny("invalid destination", e.invalid,
          "connect to a DNS name or a canonical IP address (a.b.c.d, or IPv6) on a port 1..65535");
      return e;
    }
    if (e.ip != null) {
      index.address(e.ip, e);
    } else {
      index.name(e.host, e);
    }
    e.decision = quiet && e.uncovered() ? null : e.decide();
    return e;
  }

  /** Why an allow rule whose host covers the request does not allow it. */
  private enum Miss { PORT, BINARY_UNKNOWN, BINARY, METHOD, PATH, PATH_REFUSED }

  /** One evaluation: the request, normalised, and the best candidate of each kind seen so far. */
  private final class Eval implements Consumer<HostIndex.Bucket> {
    final String host;
    final int port;
    final String dest;
    final Ip ip;
    final String invalid;
    final String method;
    final String rawPath;
    final String path;
    /** {@code path} without {@code ;params}. */
    final String barePath;
    final boolean pathRefused;
    final String binary;
    final boolean tunnel;
    final Set<String> matched;

    Rule hardDeny;
    String hardDenyWhy;
    Rule deferredDeny;
    Rule allow;
    Rule inspectAllow;
    Rule needsL7;
    Rule nearMiss;
    Miss nearMissWhy;
    Decision decision;

    Eval(EgressRequest r, boolean collect) {
      String h = r.host().toLowerCase(Locale.ROOT);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      if (h.endsWith(".") && h.length() > 1) {
        h = h.substring(0, h.length() - 1);
      }
      port = r.port();
      Optional<Ip> parsed = Ip.parse(h);
      ip = parsed.orElse(null);
      host = ip != null && !ip.v4() ? ip.text() : h;
      dest = (ip != null && !ip.v4() ? "[" + host + "]" : host) + ":" + port;
      String bad = null;
      if (port < 1 || port > 65535) {
        bad = "Port " + port + " is not a valid port.";
      } else if (ip == null && Ip.looksLikeAddress(h)) {
        bad = "'" + r.host() + "' is not a canonical IP address, and resolvers disagree on what"
            + " it means.";
      } else if (ip == null && !validName(h)) {
        bad = "'" + r.host() + "' is not a valid host name.";
      }
      invalid = bad;
      method = r.method().map(m -> m.toUpperCase(Locale.ROOT)).orElse(null);
      rawPath = r.path().orElse(null);
      Optional<String> canon = r.path().flatMap(UrlPath::canonical);
      path = canon.orElse(null);
      barePath = path == null ? null : UrlPath.withoutParams(path);
      pathRefused = rawPath != null && path == null;
      binary = r.binary().orElse(null);
      tunnel = method == null && rawPath == null;
      matched = collect ? new LinkedHashSet<>() : null;
    }

    @Override
    public void accept(HostIndex.Bucket b) {
      for (Rule r : b.deny()) {
        deny(r);
      }
      for (Rule r : b.allow()) {
        allow(r);
      }
    }

    private void deny(Rule r) {
      if (!r.coversPort(port)) {
        return;
      }
      boolean binaryUnknown = false;
      if (!r.binaries.isEmpty()) {
        if (binary == null) {
          binaryUnknown = true;
        } else if (!r.binaries.contains(binary)) {
          return;
        }
      }
      boolean hidden = false;
      if (!r.methods.isEmpty()) {
        if (method == null) {
          hidden = true;
        } else if (!r.methods.contains(method)) {
          return;
        }
      }
      boolean refused = false;
      if (r.globs.length > 0) {
        if (rawPath == null) {
          hidden = true;
        } else if (pathRefused) {
          refused = true;
        } else if (!r.pathMatches(path, barePath)) {
          return;
        }
      }
      if (matched != null) {
        matched.add(r.name);
      }
      if (binaryUnknown || refused || !hidden) {
        if (hardDeny == null || r.order < hardDeny.order) {
          hardDeny = r;
          hardDenyWhy = binaryUnknown ? "binary" : refused ? "path" : "";
        }
      } else if (deferredDeny == null || r.order < deferredDeny.order) {
        deferredDeny = r;
      }
    }

    private void allow(Rule r) {
      Miss miss = null;
      boolean l7Hidden = false;
      if (!r.coversPort(port)) {
        miss = Miss.PORT;
      } else if (!r.binaries.isEmpty() && binary == null) {
        miss = Miss.BINARY_UNKNOWN;
      } else if (!r.binaries.isEmpty() && !r.binaries.contains(binary)) {
        miss = Miss.BINARY;
      } else if (r.l7() && tunnel) {
        l7Hidden = !r.inspect;
      } else if (!r.methods.isEmpty() && (method == null || !r.methods.contains(method))) {
        miss = Miss.METHOD;
      } else if (r.globs.length > 0 && (rawPath == null || pathRefused)) {
        miss = pathRefused ? Miss.PATH_REFUSED : Miss.PATH;
      } else if (r.globs.length > 0 && !r.pathMatches(path, barePath)) {
        miss = Miss.PATH;
      }
      if (miss != null) {
        if (nearMiss == null || r.order < nearMiss.order) {
          nearMiss = r;
          nearMissWhy = miss;
        }
      } else if (l7Hidden) {
        if (needsL7 == null || r.order < needsL7.order) {
          needsL7 = r;
        }
      } else {
        if (matched != null) {
          matched.add(r.name);
        }
        if (allow == null || r.order < allow.order) {
          allow = r;
        }
        if (r.inspect && (inspectAllow == null || r.order < inspectAllow.order)) {
          inspectAllow = r;
        }
      }
    }

    /** No rule covers the request: {@link #decide} would say Unknown. */
    boolean uncovered() {
      return hardDeny == null && (!tunnel || inspectAllow == null) && deferredDeny == null
          && allow == null && needsL7 == null;
    }

    Decision decide() {
      if (hardDeny != null) {
        Rule r = hardDeny;
        return switch (hardDenyWhy) {
          case "binary" -> new Decision.Deny(r.name, r.name + " refuses " + dest + " for "
              + r.binaryList + ", and the executable that connected could not be identified, so"
              + " it is refused.", "if " + host + " should be reachable, narrow or remove "
              + r.name);
          case "path" -> new Decision.Deny(r.name, "The path " + rawPath + " has a dot-segment,"
              + " an encoded slash or a backslash, so " + r.name + " (paths " + r.paths
              + ") is applied to it.", "send the path in normal form, without /../, /./, %2F"
              + " or backslashes");
          default -> new Decision.Deny(r.name, dest + " is refused by " + r.name
              + "; deny rules win over allow rules.", "if " + host + " should be reachable,"
              + " narrow or remove " + r.name);
        };
      }
      if (tunnel && inspectAllow != null) {
        return allowed(inspectAllow);
      }
      if (deferredDeny != null) {
        Rule r = deferredDeny;
        return new Decision.Deny(r.name, r.name + " refuses some methods or paths on " + dest
            + ", which a CONNECT tunnel hides, so the whole tunnel is refused.",
            "set inspect: true on the allow rule for " + host + " so each request is checked,"
            + " or drop the methods/paths of " + r.name + " to refuse the whole host");
      }
      if (allow != null) {
        return allowed(allow);
      }
      if (needsL7 != null) {
        Rule r = needsL7;
        return new Decision.Deny(r.name, r.name + " allows only some methods or paths on "
            + dest + ", which a CONNECT tunnel hides without TLS inspection, so the tunnel is"
            + " refused.", "set inspect: true on " + r.name + " so the proxy sees each"
            + " request's method and path, or drop its methods/paths to allow the whole host");
      }
      return unknown();
    }

    private Decision allowed(Rule r) {
      String how = !r.inspect ? "."
          : tunnel && r.l7() ? "; TLS is inspected and each request's method and path checked."
          : "; TLS is inspected.";
      return new Decision.Allow(r.name, dest + " is allowed by " + r.name + how, r.inspect);
    }

    private Decision unknown() {
      String rule = "network.unknown: " + unknown.yaml();
      String ask = unknown == UnknownAction.ASK ? ", or approve it when asked" : "";
      String generic = "add {host: " + yamlHost() + ", ports: [" + port
          + "]} to network.allow in agent.yaml" + ask;
      if (nearMiss == null) {
        return new Decision.Unknown(rule, "No rule covers " + dest + ".", generic);
      }
      Rule r = nearMiss;
      boolean own = r.name.startsWith("network.");
      String why = switch (nearMissWhy) {
        case PORT -> r.name + " covers only ports " + r.portsText();
        case BINARY_UNKNOWN -> r.name + " is only for " + r.binaryList
            + " and the executable that connected could not be identified";
        case BINARY -> r.name + " is only for " + r.binaryList + ", not " + binary;
        case METHOD -> r.name + " allows only methods " + r.methodList + ", not "
            + (method == null ? "an unknown method" : method);
        case PATH -> r.name + " allows only paths " + r.paths + ", not "
            + (rawPath == null ? "an unknown path" : path);
        case PATH_REFUSED -> r.name + " allows only paths " + r.paths + ", and " + rawPath
            + " has a dot-segment, an encoded slash or a backslash";
      };
      String hint = !own ? generic : switch (nearMissWhy) {
        case PORT -> "add " + port + " to the ports of " + r.name + ask;
        case BINARY -> "add " + binary + " to the binaries of " + r.name + ask;
        case METHOD -> method == null ? generic : "add " + method + " to the methods of "
            + r.name + ask;
        case PATH -> path == null ? generic : "add a glob covering " + path + " to the paths of "
            + r.name + ask;
        case BINARY_UNKNOWN, PATH_REFUSED -> generic;
      };
      return new Decision.Unknown(rule, "No rule allows " + dest + ": " + why + ".", hint);
    }

    /** The host as it can be pasted into a YAML flow mapping (IPv6 quoted). */
    private String yamlHost() {
      return host.indexOf(':') >= 0 ? "\"" + host + "\"" : host;
    }
  }

  /** Lower-case labels of letters, digits, '-' and '_', none empty, 253 characters at most. */
  private static boolean validName(String h) {
    if (h.isEmpty() || h.length() > 253) {
      return false;
    }
    int label = 0;
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c == '.') {
        if (label == 0) {
          return false;
        }
        label = 0;
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        if (++label > 63) {
          return false;
        }
      } else {
        return false;
      }
    }
    return label > 0;
  }
}
