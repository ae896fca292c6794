package dev.nemoclaw.policy;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.UnknownAction;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The effective network policy of one agent (docs/policy-layers.md): the org layers, then the
 * team layers, then the agent's own policy (agent.yaml, its presets and the stored revisions, a
 * {@link CompiledPolicy}). Immutable and thread-safe; a decision is a handful of index lookups.
 *
 * <ol>
 *   <li>In each layer only the scopes matching the agent count, and of the rules that cover the
 *       request, those of the most specific scope decide; at equal specificity deny beats allow.
 *   <li>A layer's deny is final: neither a lower layer nor the agent's own rules can allow what
 *       the org or its team forbids.
 *   <li>Otherwise the agent's own rules decide when one covers the request (an agent may deny
 *       what its org allows);
 *   <li>else a layer's allow (the team's before the org's) allows it;
 *   <li>else no rule covers it: {@code network.unknown} — {@code deny} when any matching layer
 *       scope says {@code unknown: deny}, whatever agent.yaml says.
 * </ol>
 */
public final class LayeredPolicy implements EgressPolicy {
  /** What a scope group that covers nothing answers when not explaining. */
  private static final Decision UNCOVERED = new Decision.Unknown("", "", "");
  private static final Pattern REVISION = Pattern.compile("^revision (\\d+) ");
  /** How {@link #groups} names a layer's allow rule (a host pattern holds no space). */
  private static final Pattern ALLOW_RULE =
      Pattern.compile("^(org|team) layer .* scopes\\[\\d+\\] allow\\[\\d+\\] \\S+$");

  /** The scopes of one layer level with equal specificity, compiled as one policy. */
  private record Group(PolicyLayer.Level level, CompiledPolicy policy) {}

  private final List<Group> org;
  private final List<Group> team;
  private final CompiledPolicy agent;
  private final boolean off;
  private final Optional<String> forbidsAsking;
  private final Map<String, Path> files;

  private LayeredPolicy(List<Group> org, List<Group> team, CompiledPolicy agent, boolean off,
      Optional<String> forbidsAsking, Map<String, Path> files) {
    this.org = org;
    this.team = team;
    this.agent = agent;
    this.off = off;
    this.forbidsAsking = forbidsAsking;
    this.files = files;
  }

  /**
   * @param added the stored revisions' rules ({@link PolicyStore#current()})
   * @param layers every layer file loaded; only the scopes matching {@code who} are compiled
   */
  public static LayeredPolicy compile(Network network, RuleSet added, List<PolicyLayer> layers,
      AgentScope who) {
    Optional<String> forbids = Optional.empty();
    Map<String, Path> files = new java.util.HashMap<>();
    for (PolicyLayer.Level level : PolicyLayer.Level.values()) {
      for (PolicyLayer l : layers) {
        for (PolicyLayer.Scope s : l.scopes()) {
          if (l.level() == level && who.matches(s.match()) && forbids.isEmpty()
              && s.unknown().equals(Optional.of(UnknownAction.DENY))) {
            forbids = Optional.of(prefix(l, s) + " unknown: deny");
          }
        }
      }
    }
    for (PolicyLayer l : layers) {
      files.put(level(l) + " layer " + l.name(), l.file());
    }
    Network own = forbids.isPresent() ? new Network(network.mode(), network.presets(),
        network.allow(), network.deny(), UnknownAction.DENY, network.approvalTimeout()) : network;
    return new LayeredPolicy(groups(layers, PolicyLayer.Level.ORG, who),
        groups(layers, PolicyLayer.Level.TEAM, who), CompiledPolicy.compile(own, added),
        network.mode() == NetworkMode.NONE, forbids, Map.copyOf(files));
  }

  private static List<Group> groups(List<PolicyLayer> layers, PolicyLayer.Level level,
      AgentScope who) {
    TreeMap<Integer, List<Rule>> bySpecificity = new TreeMap<>(java.util.Comparator.reverseOrder());
    int[] order = {0};
    for (PolicyLayer l : layers) {
      if (l.level() != level) {
        continue;
      }
      for (PolicyLayer.Scope s : l.scopes()) {
        if (!who.matches(s.match())) {
          continue;
        }
        List<Rule> rules = bySpecificity.computeIfAbsent(AgentScope.specificity(s.match()),
            k -> new ArrayList<>());
        for (int i = 0; i < s.allow().size(); i++) {
          AllowRule r = s.allow().get(i);
          rules.add(Rule.allow(order[0]++, prefix(l, s) + " allow[" + i + "] " + r.host().text(),
              r));
        }
        for (int i = 0; i < s.deny().size(); i++) {
          DenyRule r = s.deny().get(i);
          rules.add(Rule.deny(order[0]++, prefix(l, s) + " deny[" + i + "] " + r.host().text(),
              r));
        }
      }
    }
    return bySpecificity.values().stream()
        .map(rules -> new Group(level, CompiledPolicy.of(false, UnknownAction.DENY, rules)))
        .toList();
  }

  private static String prefix(PolicyLayer l, PolicyLayer.Scope s) {
    return level(l) + " layer " + l.name() + " scopes[" + s.index() + "]";
  }

  private static String level(PolicyLayer l) {
    return l.level().yaml();
  }

  /**
   * Why a request is decided as it is: the decision, the layer that made it ({@code org},
   * {@code team} or {@code agent}), the revision when a stored rule decided, the layer file when a
   * layer did, and every other rule that covered the request but did not decide.
   */
  public record Explanation(Decision decision, String layer, OptionalInt revision,
      Optional<Path> file, List<String> shadowed) {
    public Explanation {
      shadowed = List.copyOf(shadowed);
    }
  }

  @Override
  public Decision decide(EgressRequest request) {
    return evaluate(request, false).decision();
  }

  public Explanation explain(EgressRequest request) {
    return evaluate(request, true);
  }

  /** Whether a destination no rule covers may be asked about (else it is denied). */
  public boolean asks() {
    return forbidsAsking.isEmpty() && agent.unknown() == UnknownAction.ASK;
  }

  public boolean inspects() {
    return agent.inspects() || Stream.concat(org.stream(), team.stream())
        .anyMatch(g -> g.policy().inspects());
  }

  public int ruleCount() {
    return agent.ruleCount() + Stream.concat(org.stream(), team.stream())
        .mapToInt(g -> g.policy().ruleCount()).sum();
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    return !off && (agent.namesAddress(address, port)
        || Stream.concat(org.stream(), team.stream())
            .anyMatch(g -> g.policy().namesAddress(address, port)));
  }

  private Explanation evaluate(EgressRequest request, boolean collect) {
    List<String> shadowed = new ArrayList<>();
    if (off) { // network.mode: none refuses everything, whatever a layer allows
      CompiledPolicy.Explanation x = agent.explain(request);
      return result(new Verdict(x.decision(), "agent", x.alsoMatching()), shadowed);
    }
    Verdict orgV = verdict(org, request, collect, shadowed);
    if (!collect && orgV.deny().decision() != null) {
      return result(orgV, shadowed);
    }
    Verdict teamV = verdict(team, request, collect, shadowed);
    if (!collect && teamV.deny().decision() != null) {
      return result(teamV, shadowed);
    }
    CompiledPolicy.Explanation x = collect ? agent.explain(request)
        : plain(agent.decide(request));
    Verdict own = x.decision() instanceof Decision.Unknown ? Verdict.NONE
        : new Verdict(x.decision(), "agent", x.alsoMatching());
    // layer denies, then the agent's own rules, then layer allows, the team's first; a layer's
    // allow rule that cannot see into a tunnel is no deny rule: it refuses only when nothing
    // else allows (docs/agent-yaml.md, "the only rule that would have")
    Verdict decided = Stream.of(orgV.deny(), teamV.deny(), own, teamV.allow(), orgV.allow(),
            teamV.needsL7(), orgV.needsL7())
        .filter(v -> v.decision() != null).findFirst()
        .orElse(new Verdict(unknown(x.decision()), "agent", x.alsoMatching()));
    for (Verdict v : List.of(orgV, teamV, own)) {
      if (v.decision() != null && v != decided) {
        shadowed.add(v.decision().rule());
        shadowed.addAll(v.also());
      }
    }
    return result(decided, shadowed);
  }

  /** A layer's verdict: the decision of its most specific scope group that covers the request. */
  private record Verdict(Decision decision, String level, List<String> also) {
    static final Verdict NONE = new Verdict(null, "", List.of());

    /** A deny rule's refusal: final. */
    Verdict deny() {
      return decision instanceof Decision.Deny && !needsL7Deny() ? this : NONE;
    }

    /** The refusal of a tunnel by an allow rule with methods/paths it cannot see: not final. */
    Verdict needsL7() {
      return needsL7Deny() ? this : NONE;
    }

    private boolean needsL7Deny() {
      return decision instanceof Decision.Deny d && ALLOW_RULE.matcher(d.rule()).find();
    }

    Verdict allow() {
      return decision instanceof Decision.Allow ? this : NONE;
    }
  }

  /** Groups come most specific first: the first that covers the request is the layer's verdict. */
  private static Verdict verdict(List<Group> groups, EgressRequest request, boolean collect,
      List<String> shadowed) {
    Verdict v = Verdict.NONE;
    for (Group g : groups) {
      CompiledPolicy.Explanation x;
      if (collect) {
        x = g.policy().explain(request);
      } else {
        Decision d = g.policy().decideCovered(request);
        x = plain(d == null ? UNCOVERED : d);
      }
      if (x.decision() instanceof Decision.Unknown) {
        continue;
      }
      if (v.decision() == null) {
        v = new Verdict(x.decision(), g.level().yaml(), x.alsoMatching());
        if (!collect) {
          return v;
        }
      } else {
        shadowed.add(x.decision().rule());
        shadowed.addAll(x.alsoMatching());
      }
    }
    return v;
  }

  private Decision unknown(Decision own) {
    if (forbidsAsking.isPresent() && own instanceof Decision.Unknown u) {
      return new Decision.Unknown(forbidsAsking.get(), u.reason(), u.hint());
    }
    return own;
  }

  private static CompiledPolicy.Explanation plain(Decision d) {
    return new CompiledPolicy.Explanation(d, List.of());
  }

  private Explanation result(Verdict v, List<String> shadowed) {
    String rule = v.decision().rule();
    List<String> all = new ArrayList<>(v.also());
    all.addAll(shadowed);
    Matcher m = REVISION.matcher(rule);
    OptionalInt revision = m.find() ? OptionalInt.of(Integer.parseInt(m.group(1)))
        : OptionalInt.empty();
    Optional<Path> file = files.entrySet().stream()
        .filter(e -> rule.startsWith(e.getKey() + " ")).map(Map.Entry::getValue).findFirst();
    return new Explanation(v.decision(), v.level(), revision, file,
        all.stream().filter(r -> !r.equals(rule)).distinct().toList());
  }
}
