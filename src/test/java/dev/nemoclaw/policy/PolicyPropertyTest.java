package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.PolicyLayers;
import dev.nemoclaw.spec.ToolMatch;
import dev.nemoclaw.spec.UnknownAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property tests: the compiled policy ({@link CompiledPolicy}) and the layered policy
 * ({@link LayeredPolicy}) against a deliberately naive reference model of docs/agent-yaml.md
 * ("How the network rules decide") and docs/policy-layers.md, over random rule sets drawn from a
 * small alphabet of labels, ports, methods, paths and binaries so that near-collisions
 * ({@code a.com}, {@code b.a.com}, {@code ba.com}, {@code evil-a.com}, {@code a.co}) are the rule.
 *
 * <p>Each property runs many cases, each from its own seed; a failure names the property, the
 * case seed and the base seed. Rerun one case with {@code -Dpolicy.case=SEED} (every property then
 * runs just that seed), or a whole different sample with {@code -Dpolicy.seed=N}.
 */
class PolicyPropertyTest {
  static final long SEED = Long.getLong("policy.seed", 20261123L);
  static final Long ONLY = Long.getLong("policy.case");

  @TempDir Path tmp;

  // ---------------------------------------------------------------- running properties

  interface Body {
    void run(Random rnd) throws Exception;
  }

  /** Runs {@code body} {@code cases} times, each with a Random of its own, reproducible, seed. */
  static void forAll(String property, int cases, Body body) {
    Random master = new Random(SEED * 31 + property.hashCode());
    int n = ONLY != null ? 1 : cases;
    for (int i = 0; i < n; i++) {
      long seed = ONLY != null ? ONLY : master.nextLong();
      try {
        body.run(new Random(seed));
      } catch (Throwable e) {
        throw new AssertionError(property + " failed at case " + i + ", seed " + seed
            + " (rerun with -Dpolicy.case=" + seed + "; base -Dpolicy.seed=" + SEED + "): "
            + e.getMessage(), e);
      }
    }
  }

  /** The sample must exercise every verdict, or agreement with the model says little. */
  static void coverage(String property, int[] kinds, double least) {
    int total = kinds[0] + kinds[1] + kinds[2];
    System.out.printf("%s: %d decisions (seed %d): %d allow, %d deny, %d unknown%n", property,
        total, SEED, kinds[0], kinds[1], kinds[2]);
    for (Kind k : Kind.values()) {
      assertTrue(kinds[k.ordinal()] > total * least, k + " only " + kinds[k.ordinal()]
          + " times of " + total);
    }
  }

  // ---------------------------------------------------------------- the model's vocabulary

  static final String[] LABELS = {"a", "b", "ba", "evil-a", "x"};
  static final String[] TLDS = {"com", "co"};
  static final int[] PORTS = {80, 443, 8080};
  static final Integer[] REQUEST_PORTS = {80, 443, 8080, 22};
  static final String[] METHODS = {"GET", "POST", "DELETE"};
  static final String[] REQUEST_METHODS = {"GET", "POST", "DELETE", "PUT", "get", "Post"};
  static final String[] GLOBS = {"/a", "/a/*", "/a/**", "/b/**", "/**", "/a/b", "/*/b"};
  static final String CURL = "/usr/bin/curl";
  static final String[] BINARIES = {CURL, "/usr/bin/git"};

  /**
   * A request path as sent, and by hand how the docs say it is read: {@code canon} is null when
   * it is refused (dot-segment, encoded slash), {@code bare} is {@code canon} without ;params.
   */
  record P(String raw, String canon, String bare) {}

  static final P[] PATHS = {
      new P("/", "/", "/"), new P("/a", "/a", "/a"), new P("/a/b", "/a/b", "/a/b"),
      new P("/a/b/c", "/a/b/c", "/a/b/c"), new P("/b", "/b", "/b"), new P("/b/a", "/b/a", "/b/a"),
      new P("/ab", "/ab", "/ab"), new P("/a//b", "/a/b", "/a/b"), new P("/%61/b", "/a/b", "/a/b"),
      new P("/a/b?x=/c", "/a/b", "/a/b"), new P("/a/../b", null, null),
      new P("/a%2Fb", null, null), new P("/a/./b", null, null),
      new P("/a;x/b", "/a;x/b", "/a/b"), new P("/b;v=1", "/b;v=1", "/b"),
      new P("/x/b", "/x/b", "/x/b")};

  /** One rule of the model; {@code ports} empty on a deny rule means every port. */
  record M(boolean deny, String host, List<Integer> ports, List<String> methods,
      List<String> paths, List<String> binaries, boolean inspect) {
    boolean l7() {
      return !methods.isEmpty() || !paths.isEmpty();
    }

    AllowRule allowRule() {
      return new AllowRule(HostPattern.parse(host), ports, methods, paths, binaries, inspect);
    }

    DenyRule denyRule() {
      return new DenyRule(HostPattern.parse(host), ports, methods, paths, binaries);
    }

    /** As a YAML flow mapping for a layer file (an allow rule writes its ports: [443] or not). */
    String yaml(boolean writeDefaultPorts) {
      StringBuilder b = new StringBuilder("{host: \"" + host + "\"");
      if (!ports.isEmpty() && (deny || writeDefaultPorts || !ports.equals(List.of(443)))) {
        b.append(", ports: ").append(ports);
      }
      if (!methods.isEmpty()) {
        b.append(", methods: [").append(String.join(", ", methods)).append(']');
      }
      if (!paths.isEmpty()) {
        b.append(", paths: [").append(paths.stream().map(p -> "\"" + p + "\"")
            .collect(Collectors.joining(", "))).append(']');
      }
      if (!binaries.isEmpty()) {
        b.append(", binaries: [").append(String.join(", ", binaries)).append(']');
      }
      if (inspect) {
        b.append(", inspect: true");
      }
      return b.append('}').toString();
    }

    @Override
    public String toString() {
      return (deny ? "deny " : "allow ") + yaml(true);
    }
  }

  /** A request; {@code method} and {@code path} both null for a CONNECT tunnel. */
  record Q(String host, int port, String method, P path, String binary) {
    boolean tunnel() {
      return method == null;
    }

    EgressRequest request() {
      return new EgressRequest(host, port, Optional.ofNullable(method),
          Optional.ofNullable(path).map(P::raw), Optional.ofNullable(binary));
    }

    @Override
    public String toString() {
      return (tunnel() ? "CONNECT " + host + ":" + port : method + " http://" + host + ":" + port
          + path.raw()) + (binary == null ? " (binary unknown)" : " from " + binary);
    }
  }

  /** A rule of the model with the name the engine gives it. */
  record Named(M rule, String name) {}

  enum Kind { ALLOW, DENY, UNKNOWN }

  /** A reference verdict: its kind, the deciding rule's name (null: unknown) and inspect. */
  record Outcome(Kind kind, String rule, boolean inspect) {
    static final Outcome UNKNOWN = new Outcome(Kind.UNKNOWN, null, false);

    static Outcome of(Decision d) {
      return switch (d) {
        case Decision.Allow a -> new Outcome(Kind.ALLOW, a.rule(), a.inspect());
        case Decision.Deny x -> new Outcome(Kind.DENY, x.rule(), false);
        case Decision.Unknown u -> UNKNOWN;
      };
    }
  }

  // ---------------------------------------------------------------- generators

  static <T> T pick(Random r, T[] a) {
    return a[r.nextInt(a.length)];
  }

  static String labels(Random r, int min, int max) {
    int n = min + r.nextInt(max - min + 1);
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(pick(r, LABELS));
    }
    return String.join(".", l);
  }

  /** {@code a.com}, {@code b.a.co}, ...: one to three labels and a TLD. */
  static String name(Random r) {
    return labels(r, 1, 3) + "." + pick(r, TLDS);
  }

  /** An exact name or {@code *.suffix} (the suffix has at least two labels, as the spec says). */
  static String hostPattern(Random r) {
    return r.nextInt(3) == 0 ? name(r) : "*." + labels(r, 1, 2) + "." + pick(r, TLDS);
  }

  static List<Integer> ports(Random r) {
    List<Integer> out = new ArrayList<>();
    for (int p : PORTS) {
      if (r.nextInt(3) == 0) {
        out.add(p);
      }
    }
    return out;
  }

  static List<String> subset(Random r, String[] from, int oneIn) {
    if (r.nextInt(oneIn) != 0) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : from) {
      if (r.nextBoolean()) {
        out.add(s);
      }
    }
    if (out.isEmpty()) {
      out.add(pick(r, from));
    }
    return out;
  }

  static M allow(Random r, String host) {
    List<Integer> ports = r.nextInt(3) > 0 ? List.of(443) : ports(r);
    return new M(false, host, ports.isEmpty() ? List.of(443) : ports, subset(r, METHODS, 5),
        subset(r, GLOBS, 5), subset(r, BINARIES, 8), r.nextInt(3) == 0);
  }

  static M deny(Random r, String host) {
    return new M(true, host, r.nextBoolean() ? List.of() : ports(r), subset(r, METHODS, 5),
        subset(r, GLOBS, 5), subset(r, BINARIES, 7), false);
  }

  static M rule(Random r, boolean deny) {
    return deny ? deny(r, hostPattern(r)) : allow(r, hostPattern(r));
  }

  /** Host-level rules only: every port (deny) or a port list, no L7, no binaries. */
  static M plain(boolean deny, String host, List<Integer> ports) {
    return new M(deny, host, ports, List.of(), List.of(), List.of(), false);
  }

  static List<M> rules(Random r, boolean deny, int max) {
    List<M> out = new ArrayList<>();
    int n = r.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      out.add(rule(r, deny));
    }
    return out;
  }

  /**
   * A request host, usually close to a rule's pattern: the name itself, a suffix's apex, a name
   * some labels below it, a look-alike, or an unrelated name; then sometimes upper case letters
   * and a trailing dot.
   */
  static String requestHost(Random r, List<M> rules) {
    String h;
    if (rules.isEmpty() || r.nextInt(6) == 0) {
      h = labels(r, 1, 4) + "." + pick(r, TLDS);
    } else {
      String p = rules.get(r.nextInt(rules.size())).host();
      String base = p.startsWith("*.") ? p.substring(2) : p;
      h = switch (r.nextInt(8)) {
        case 0, 1, 2 -> p.startsWith("*.") ? labels(r, 1, 2) + "." + base : base;
        case 3 -> base; // the apex of a *.suffix
        case 4, 5 -> labels(r, 1, 2) + "." + base;
        case 6 -> pick(r, LABELS) + base; // look-alike without the dot: evil-aa.com, ba.com
        default -> base + "." + pick(r, TLDS); // a.com.co
      };
    }
    return decorate(r, h);
  }

  static String decorate(Random r, String h) {
    if (r.nextInt(4) == 0) {
      StringBuilder b = new StringBuilder();
      for (char c : h.toCharArray()) {
        b.append(r.nextBoolean() ? Character.toUpperCase(c) : c);
      }
      h = b.toString();
    }
    return r.nextInt(5) == 0 ? h + "." : h;
  }

  static Q request(Random r, String host) {
    int port = r.nextBoolean() ? 443 : pick(r, REQUEST_PORTS);
    String binary = r.nextInt(4) == 0 ? null : r.nextInt(3) == 0 ? "/usr/bin/wget" : CURL;
    if (r.nextBoolean()) {
      return new Q(host, port, null, null, binary);
    }
    return new Q(host, port, pick(r, REQUEST_METHODS), pick(r, PATHS), binary);
  }

  // ---------------------------------------------------------------- the reference model

  /** The docs' host match, naively: lower case, no final dot, equal or below a *.suffix. */
  static boolean hostMatches(String pattern, String requestHost) {
    String h = requestHost.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return pattern.startsWith("*.") ? h.endsWith(pattern.substring(1)) : h.equals(pattern);
  }

  /** A glob over segments: {@code *} is one segment, {@code **} any number, none included. */
  static boolean glob(List<String> g, int gi, List<String> p, int pi) {
    if (gi == g.size()) {
      return pi == p.size();
    }
    String s = g.get(gi);
    if (s.equals("**")) {
      for (int k = pi; k <= p.size(); k++) {
        if (glob(g, gi + 1, p, k)) {
          return true;
        }
      }
      return false;
    }
    return pi < p.size() && (s.equals("*") || s.equals(p.get(pi))) && glob(g, gi + 1, p, pi + 1);
  }

  static List<String> segments(String path) {
    return Stream.of(path.split("/")).filter(s -> !s.isEmpty()).toList();
  }

  static boolean anyGlob(List<String> globs, String path) {
    return globs.stream().anyMatch(g -> glob(segments(g), 0, segments(path), 0));
  }

  enum Cover { NO, YES, HIDDEN }

  /**
   * Whether a deny rule covers the request: YES outright (also when it fails closed: binaries
   * with an unknown executable, paths with a refused path), HIDDEN when only methods or paths a
   * tunnel hides stand between it and the request.
   */
  static Cover denyCovers(M d, Q q) {
    if (!hostMatches(d.host(), q.host()) || !d.ports().isEmpty() && !d.ports().contains(q.port())) {
      return Cover.NO;
    }
    boolean failClosed = false;
    boolean hidden = false;
    if (!d.binaries().isEmpty()) {
      if (q.binary() == null) {
        failClosed = true;
      } else if (!d.binaries().contains(q.binary())) {
        return Cover.NO;
      }
    }
    if (!d.methods().isEmpty()) {
      if (q.tunnel()) {
        hidden = true;
      } else if (!d.methods().contains(q.method().toUpperCase(Locale.ROOT))) {
        return Cover.NO;
      }
    }
    if (!d.paths().isEmpty()) {
      if (q.tunnel()) {
        hidden = true;
      } else if (q.path().canon() == null) {
        failClosed = true;
      } else if (!anyGlob(d.paths(), q.path().canon()) && !anyGlob(d.paths(), q.path().bare())) {
        return Cover.NO; // a deny rule needs either reading of ;params
      }
    }
    // The docs leave open a deny rule that fails closed on its binaries and hides L7 parts on a
    // tunnel; the engine refuses outright, the safe reading, and so does the model.
    return failClosed || !hidden ? Cover.YES : Cover.HIDDEN;
  }

  /** Whether an allow rule covers the request: HIDDEN when it needs L7 a tunnel does not show. */
  static Cover allowCovers(M a, Q q) {
    if (!hostMatches(a.host(), q.host()) || !a.ports().contains(q.port())) {
      return Cover.NO;
    }
    if (!a.binaries().isEmpty() && (q.binary() == null || !a.binaries().contains(q.binary()))) {
      return Cover.NO;
    }
    if (q.tunnel()) {
      return !a.l7() || a.inspect() ? Cover.YES : Cover.HIDDEN;
    }
    if (!a.methods().isEmpty() && !a.methods().contains(q.method().toUpperCase(Locale.ROOT))) {
      return Cover.NO;
    }
    if (!a.paths().isEmpty() && (q.path().canon() == null
        || !anyGlob(a.paths(), q.path().canon()) || !anyGlob(a.paths(), q.path().bare()))) {
      return Cover.NO; // an allow rule must cover both readings
    }
    return Cover.YES;
  }

  /** docs/agent-yaml.md "How the network rules decide", for one set of rules. */
  static Outcome reference(List<Named> allow, List<Named> deny, Q q) {
    for (Named d : deny) {
      if (denyCovers(d.rule(), q) == Cover.YES) {
        return new Outcome(Kind.DENY, d.name(), false);
      }
    }
    if (q.tunnel()) {
      for (Named a : allow) {
        if (a.rule().inspect() && allowCovers(a.rule(), q) == Cover.YES) {
          return new Outcome(Kind.ALLOW, a.name(), true);
        }
      }
    }
    for (Named d : deny) {
      if (denyCovers(d.rule(), q) == Cover.HIDDEN) {
        return new Outcome(Kind.DENY, d.name(), false);
      }
    }
    for (Named a : allow) {
      if (allowCovers(a.rule(), q) == Cover.YES) {
        return new Outcome(Kind.ALLOW, a.name(), a.rule().inspect());
      }
    }
    for (Named a : allow) {
      if (allowCovers(a.rule(), q) == Cover.HIDDEN) {
        return new Outcome(Kind.DENY, a.name(), false);
      }
    }
    return Outcome.UNKNOWN;
  }

  // ---------------------------------------------------------------- agent.yaml's own policy

  /** agent.yaml's network section with these rules, as the spec loader would bind them. */
  static Network network(List<M> allow, List<M> deny) {
    return network(NetworkMode.PROXY, allow, deny, UnknownAction.ASK);
  }

  static Network network(NetworkMode mode, List<M> allow, List<M> deny, UnknownAction unknown) {
    return new Network(mode, List.of(), allow.stream().map(M::allowRule).toList(),
        deny.stream().map(M::denyRule).toList(), unknown, Duration.ofSeconds(60));
  }

  static CompiledPolicy compile(List<M> allow, List<M> deny) {
    return CompiledPolicy.compile(network(allow, deny));
  }

  static List<Named> named(String prefix, List<M> rules) {
    List<Named> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      out.add(new Named(rules.get(i), prefix + "[" + i + "] " + rules.get(i).host()));
    }
    return out;
  }

  static Outcome referenceOf(List<M> allow, List<M> deny, Q q) {
    return reference(named("network.allow", allow), named("network.deny", deny), q);
  }

  static Outcome decide(EgressPolicy p, Q q) {
    return Outcome.of(p.decide(q.request()));
  }

  static String show(List<M> allow, List<M> deny) {
    return "\n  allow " + allow.stream().map(m -> m.yaml(true)).toList()
        + "\n  deny  " + deny.stream().map(m -> m.yaml(true)).toList();
  }

  // ---------------------------------------------------------------- CompiledPolicy properties

  @Test
  void compiledPolicyAgreesWithTheReferenceModel() {
    int[] kinds = new int[3];
    forAll("compiled = reference", 2500, r -> {
      List<M> allow = rules(r, false, 6);
      List<M> deny = rules(r, true, 4);
      CompiledPolicy p = compile(allow, deny);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      for (int i = 0; i < 12; i++) {
        Q q = request(r, requestHost(r, all));
        Outcome want = referenceOf(allow, deny, q);
        Outcome got = decide(p, q);
        kinds[want.kind().ordinal()]++;
        assertEquals(want, got, () -> q + show(allow, deny) + "\n  engine: " + p.decide(q.request()));
      }
    });
    // the sample must exercise every verdict, or the agreement says little
    coverage("compiled = reference", kinds, 0.08);
  }

  @Test
  void aWildcardNeverMatchesItsApexButEveryDepthBelow() {
    forAll("*.x apex and depth", 2000, r -> {
      String suffix = labels(r, 1, 2) + "." + pick(r, TLDS);
      CompiledPolicy p = compile(List.of(plain(false, "*." + suffix, List.of(443))), List.of());
      CompiledPolicy d = compile(List.of(plain(false, suffix, List.of(443))),
          List.of(plain(true, "*." + suffix, List.of())));
      String apex = decorate(r, suffix);
      assertInstanceOf(Decision.Unknown.class, p.decide(PolicyFixture.tunnel(apex, 443)), apex);
      PolicyFixture.allows(d, PolicyFixture.tunnel(apex, 443), "network.allow[0] " + suffix);
      String below = decorate(r, labels(r, 1, 6) + "." + suffix);
      PolicyFixture.allows(p, PolicyFixture.tunnel(below, 443), "network.allow[0] *." + suffix);
      PolicyFixture.denies(d, PolicyFixture.tunnel(below, 443), "network.deny[0] *." + suffix);
    });
  }

  @Test
  void caseAndATrailingDotNeverChangeADecision() {
    forAll("case and final dot", 1000, r -> {
      List<M> allow = rules(r, false, 5);
      List<M> deny = rules(r, true, 3);
      CompiledPolicy p = compile(allow, deny);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      Q q = request(r, requestHost(r, all).toLowerCase(Locale.ROOT).replaceFirst("\\.$", ""));
      Outcome plainForm = decide(p, q);
      StringBuilder b = new StringBuilder();
      for (char c : q.host().toCharArray()) {
        b.append(r.nextBoolean() ? Character.toUpperCase(c) : c);
      }
      for (String h : List.of(b.toString(), b + ".", q.host().toUpperCase(Locale.ROOT) + ".")) {
        Q odd = new Q(h, q.port(), q.method(), q.path(), q.binary());
        assertEquals(plainForm, decide(p, odd), () -> odd + " vs " + q + show(allow, deny));
      }
    });
  }

  @Test
  void lookAlikesNeverMatchAWildcardOrAName() {
    forAll("look-alikes", 2000, r -> {
      String suffix = labels(r, 1, 2) + "." + pick(r, TLDS);
      CompiledPolicy p = compile(List.of(plain(false, "*." + suffix, List.of(443)),
          plain(false, suffix, List.of(443))), List.of());
      String[] labelsOfSuffix = suffix.split("\\.");
      List<String> fakes = List.of(
          pick(r, LABELS) + suffix,                          // evil-aa.com: no dot at the boundary
          pick(r, LABELS) + "-" + suffix,                     // x-a.com
          suffix + "." + pick(r, TLDS),                       // a.com.co: the suffix in the middle
          suffix + "." + name(r),                             // a.com.evil.co
          labels(r, 1, 2) + "." + suffix + "x",               // b.a.comx
          String.join(".", List.of(labelsOfSuffix).subList(1, labelsOfSuffix.length)),
          labels(r, 1, 2) + "." + suffix.substring(suffix.indexOf('.') + 1));
      for (String fake : fakes) {
        boolean reallyBelow = fake.equals(suffix) || fake.endsWith("." + suffix);
        if (reallyBelow) {
          continue; // a random label can rebuild the real thing (b.a.com from b + a.com)
        }
        Q q = new Q(decorate(r, fake), 443, null, null, null);
        assertEquals(Outcome.UNKNOWN, decide(p, q), () -> q + " vs *." + suffix);
      }
    });
  }

  @Test
  void denyWinsWhateverTheOrderOfTheRules() {
    forAll("deny precedence under shuffling", 2000, r -> {
      List<M> allow = rules(r, false, 6);
      List<M> deny = rules(r, true, 4);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      List<Q> qs = Stream.generate(() -> request(r, requestHost(r, all))).limit(8).toList();
      CompiledPolicy p = compile(allow, deny);
      List<M> allow2 = new ArrayList<>(allow);
      List<M> deny2 = new ArrayList<>(deny);
      Collections.shuffle(allow2, r);
      Collections.shuffle(deny2, r);
      CompiledPolicy shuffled = compile(allow2, deny2);
      for (Q q : qs) {
        Decision a = p.decide(q.request());
        Decision b = shuffled.decide(q.request());
        assertEquals(a.getClass(), b.getClass(), () -> q + show(allow, deny) + "\n shuffled"
            + show(allow2, deny2) + "\n  " + a + "\n  " + b);
        if (a instanceof Decision.Deny && a.rule().startsWith("network.deny")) {
          assertTrue(b.rule().startsWith("network.deny"), () -> q + ": " + a + " / " + b);
        }
      }
    });
  }

  /**
   * Adding an allow rule never turns a Deny into an Allow, with the two exceptions the docs name:
   * a Deny that only an allow rule's hidden methods/paths caused (another allow rule that covers
   * the tunnel plainly settles it), and a tunnel refused only because a deny rule's methods or
   * paths are hidden, which an allow rule with {@code inspect: true} opens for inspection (the
   * deny rule is then applied to every request inside).
   */
  @Test
  void addingAnAllowRuleNeverTurnsADenyIntoAnAllow() {
    int[] kept = {0};
    forAll("monotone in allow rules", 2000, r -> {
      List<M> allow = rules(r, false, 5);
      List<M> deny = rules(r, true, 4);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      CompiledPolicy before = compile(allow, deny);
      List<M> more = new ArrayList<>(allow);
      M extra = rule(r, false);
      more.add(r.nextInt(more.size() + 1), extra);
      CompiledPolicy after = compile(more, deny);
      for (int i = 0; i < 8; i++) {
        Q q = request(r, requestHost(r, List.of(extra, all.isEmpty() ? extra
            : all.get(r.nextInt(all.size())))));
        Decision was = before.decide(q.request());
        Decision now = after.decide(q.request());
        if (!(was instanceof Decision.Deny)) {
          continue;
        }
        if (now instanceof Decision.Deny) {
          kept[0]++;
          continue;
        }
        assertInstanceOf(Decision.Allow.class, now, () -> q + ": " + was + " -> " + now);
        boolean allowRuleDenied = was.rule().startsWith("network.allow");
        boolean hiddenDenyOpened = false;
        for (int j = 0; j < deny.size(); j++) {
          hiddenDenyOpened |= q.tunnel() && extra.inspect() && deny.get(j).l7()
              && was.rule().equals("network.deny[" + j + "] " + deny.get(j).host());
        }
        boolean opened = hiddenDenyOpened;
        assertTrue(allowRuleDenied || opened, () -> "adding " + extra + " turned "
            + q + " from " + was + " into " + now + show(allow, deny));
      }
    });
    System.out.println("monotone in allow rules: " + kept[0] + " denials kept");
    assertTrue(kept[0] > 1000, "only " + kept[0] + " denials kept");
  }

  @Test
  void addingADenyRuleNeverTurnsADenyIntoAnythingElse() {
    forAll("monotone in deny rules", 2000, r -> {
      List<M> allow = rules(r, false, 5);
      List<M> deny = rules(r, true, 4);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      CompiledPolicy before = compile(allow, deny);
      List<M> more = new ArrayList<>(deny);
      M extra = rule(r, true);
      more.add(r.nextInt(more.size() + 1), extra);
      CompiledPolicy after = compile(allow, more);
      for (int i = 0; i < 8; i++) {
        Q q = request(r, requestHost(r, List.of(extra, all.isEmpty() ? extra
            : all.get(r.nextInt(all.size())))));
        Decision was = before.decide(q.request());
        Decision now = after.decide(q.request());
        if (was instanceof Decision.Deny) {
          assertInstanceOf(Decision.Deny.class, now, () -> "adding " + extra + " turned " + q
              + " from " + was + " into " + now + show(allow, deny));
        }
        // and more deny rules never allow anything new
        if (now instanceof Decision.Allow) {
          assertInstanceOf(Decision.Allow.class, was, () -> "adding " + extra + " allowed " + q);
        }
      }
    });
  }

  @Test
  void duplicatedRulesChangeNothing() {
    forAll("idempotence under duplicates", 1200, r -> {
      List<M> allow = rules(r, false, 5);
      List<M> deny = rules(r, true, 4);
      List<M> all = Stream.concat(allow.stream(), deny.stream()).toList();
      CompiledPolicy p = compile(allow, deny);
      List<M> allow2 = new ArrayList<>(allow);
      List<M> deny2 = new ArrayList<>(deny);
      allow.forEach(m -> {
        if (r.nextBoolean()) {
          allow2.add(m);
        }
      });
      deny.forEach(m -> {
        if (r.nextBoolean()) {
          deny2.add(m);
        }
      });
      allow2.addAll(allow); // and the whole list once more
      deny2.addAll(deny);
      CompiledPolicy twice = compile(allow2, deny2);
      for (int i = 0; i < 8; i++) {
        Q q = request(r, requestHost(r, all));
        assertEquals(decide(p, q), decide(twice, q), () -> q + show(allow, deny));
      }
    });
  }

  // ---------------------------------------------------------------- LayeredPolicy

  static final String[] ORGS = {"acme", "acme-eu", "other"};
  static final String[] TEAMS = {"data", "research", "dev"};
  static final String[] AGENTS = {"bot", "bot-1", "data-bot", "x"};

  static AgentScope agent(Random r) {
    return new AgentScope(pick(r, AGENTS),
        r.nextInt(5) == 0 ? Optional.empty() : Optional.of(pick(r, ORGS)),
        r.nextInt(4) == 0 ? Optional.empty() : Optional.of(pick(r, TEAMS)));
  }

  /** A segment pattern: left out (null), {@code *}, a literal or a {@code prefix*}. */
  static String segment(Random r, String[] values) {
    return switch (r.nextInt(6)) {
      case 0, 1 -> null;
      case 2 -> "*";
      case 3, 4 -> pick(r, values);
      default -> {
        String v = pick(r, values);
        yield v.substring(0, 1 + r.nextInt(v.length())) + "*";
      }
    };
  }

  /** A scope pattern as the model sees it: each segment null (left out), *, literal, prefix*. */
  record S(String org, String team, String agent) {
    String text() {
      List<String> parts = new ArrayList<>();
      if (org != null) {
        parts.add("org:" + org);
      }
      if (team != null) {
        parts.add("team:" + team);
      }
      if (agent != null) {
        parts.add("agent:" + agent);
      }
      return String.join("/", parts);
    }

    boolean matches(AgentScope who) {
      return seg(org, who.org().orElse(null)) && seg(team, who.team().orElse(null))
          && seg(agent, who.name());
    }

    private static boolean seg(String p, String v) {
      if (p == null || p.equals("*")) {
        return true;
      }
      if (v == null) {
        return false;
      }
      return p.endsWith("*") ? v.startsWith(p.substring(0, p.length() - 1)) : v.equals(p);
    }

    /** agent first, then team, then org; literal 2, prefix* 1, * or left out 0. */
    List<Integer> rank() {
      return List.of(weight(agent), weight(team), weight(org));
    }

    private static int weight(String p) {
      return p == null || p.equals("*") ? 0 : p.endsWith("*") ? 1 : 2;
    }
  }

  static final Comparator<List<Integer>> LEXICOGRAPHIC = (a, b) -> {
    for (int i = 0; i < a.size(); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  };

  static S scopePattern(Random r) {
    S s;
    do {
      s = new S(segment(r, ORGS), segment(r, TEAMS), segment(r, AGENTS));
    } while (s.text().isEmpty());
    return s;
  }

  record Sc(S match, List<M> allow, List<M> deny, boolean unknownDeny) {}

  /** One layer file of the model; {@code file} orders the layers (PolicyLayers reads by name). */
  record L(String file, boolean org, String name, List<Sc> scopes) {
    String yaml() {
      StringBuilder b = new StringBuilder("apiVersion: nemoclaw.dev/v1\nkind: PolicyLayer\nlayer: "
          + (org ? "org" : "team") + "\nname: " + name + "\nscopes:\n");
      for (Sc s : scopes) {
        b.append("  - match: \"").append(s.match().text()).append("\"\n");
        if (!s.allow().isEmpty() || s.deny().isEmpty() && !s.unknownDeny()) {
          b.append("    allow: [").append(s.allow().stream().map(m -> m.yaml(false))
              .collect(Collectors.joining(", "))).append("]\n");
        }
        if (!s.deny().isEmpty()) {
          b.append("    deny: [").append(s.deny().stream().map(m -> m.yaml(false))
              .collect(Collectors.joining(", "))).append("]\n");
        }
        if (s.unknownDeny()) {
          b.append("    unknown: deny\n");
        }
      }
      return b.toString();
    }
  }

  static Sc scope(Random r, S match) {
    return new Sc(match, rules(r, false, 3), rules(r, true, 2), r.nextInt(8) == 0);
  }

  static List<L> layers(Random r, int maxOrg, int maxTeam) {
    List<L> out = new ArrayList<>();
    int orgs = r.nextInt(maxOrg + 1);
    int teams = r.nextInt(maxTeam + 1);
    for (int i = 0; i < orgs + teams; i++) {
      List<Sc> scopes = new ArrayList<>();
      int n = 1 + r.nextInt(3);
      for (int j = 0; j < n; j++) {
        scopes.add(scope(r, scopePattern(r)));
      }
      boolean org = i < orgs;
      out.add(new L(String.format("%02d-%s", r.nextInt(100), i), org, "l" + i, scopes));
    }
    out.sort(Comparator.comparing(L::file));
    return out;
  }

  /** The agent's own policy: agent.yaml's rules, the stored revisions', mode and unknown. */
  record Own(List<M> allow, List<M> deny, List<M> storedAllow, List<M> storedDeny,
      boolean none, UnknownAction unknown) {
    Network network() {
      return PolicyPropertyTest.network(none ? NetworkMode.NONE : NetworkMode.PROXY, allow, deny,
          unknown);
    }

    RuleSet added() {
      List<StoredRule.Allow> a = new ArrayList<>();
      for (int i = 0; i < storedAllow.size(); i++) {
        a.add(new StoredRule.Allow(1 + i % 2, i / 2, storedAllow.get(i).allowRule()));
      }
      List<StoredRule.Deny> d = new ArrayList<>();
      for (int i = 0; i < storedDeny.size(); i++) {
        d.add(new StoredRule.Deny(3, i, storedDeny.get(i).denyRule()));
      }
      return new RuleSet(a, d);
    }

    List<Named> namedAllow() {
      List<Named> out = new ArrayList<>(named("network.allow", allow));
      for (int i = 0; i < storedAllow.size(); i++) {
        out.add(new Named(storedAllow.get(i), "revision " + (1 + i % 2) + " allow[" + i / 2
            + "] " + storedAllow.get(i).host()));
      }
      return out;
    }

    List<Named> namedDeny() {
      List<Named> out = new ArrayList<>(named("network.deny", deny));
      for (int i = 0; i < storedDeny.size(); i++) {
        out.add(new Named(storedDeny.get(i), "revision 3 deny[" + i + "] "
            + storedDeny.get(i).host()));
      }
      return out;
    }

    List<M> all() {
      return Stream.of(allow, deny, storedAllow, storedDeny).flatMap(List::stream).toList();
    }
  }

  static Own own(Random r) {
    return new Own(rules(r, false, 3), rules(r, true, 2), rules(r, false, 2), rules(r, true, 1),
        r.nextInt(30) == 0, r.nextInt(3) == 0 ? UnknownAction.DENY : UnknownAction.ASK);
  }

  static final Own NOTHING = new Own(List.of(), List.of(), List.of(), List.of(), false,
      UnknownAction.ASK);

  int dirs;

  /** Writes the layer files and loads them as {@code run} and {@code policy explain} do. */
  List<PolicyLayer> load(List<L> layers) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("layers-" + dirs++));
    for (L l : layers) {
      Files.writeString(dir.resolve(l.file() + ".yaml"), l.yaml());
    }
    List<PolicyLayer> loaded = PolicyLayers.load(dir);
    assertEquals(layers.size(), loaded.size());
    return loaded;
  }

  static LayeredPolicy compileLayers(List<PolicyLayer> loaded, Own own, AgentScope who) {
    return LayeredPolicy.compile(own.network(), own.added(), loaded, who);
  }

  LayeredPolicy layered(List<L> layers, Own own, AgentScope who) throws Exception {
    return compileLayers(load(layers), own, who);
  }

  /**
   * One layer level, naively: the matching scopes grouped by rank, most specific first; the
   * first group whose rules decide anything (the one-policy reference) is the layer's verdict.
   */
  static Outcome levelReference(List<L> layers, boolean org, AgentScope who, Q q) {
    TreeMap<List<Integer>, List<List<Named>>> groups = new TreeMap<>(LEXICOGRAPHIC.reversed());
    for (L l : layers) {
      if (l.org() != org) {
        continue;
      }
      for (int i = 0; i < l.scopes().size(); i++) {
        Sc s = l.scopes().get(i);
        if (!s.match().matches(who)) {
          continue;
        }
        List<List<Named>> g = groups.computeIfAbsent(s.match().rank(),
            k -> List.of(new ArrayList<>(), new ArrayList<>()));
        String prefix = (org ? "org" : "team") + " layer " + l.name() + " scopes[" + i + "] ";
        g.get(0).addAll(named(prefix + "allow", s.allow()));
        g.get(1).addAll(named(prefix + "deny", s.deny()));
      }
    }
    for (List<List<Named>> g : groups.values()) {
      Outcome o = reference(g.get(0), g.get(1), q);
      if (o.kind() != Kind.UNKNOWN) {
        return o;
      }
    }
    return Outcome.UNKNOWN;
  }

  /** docs/policy-layers.md "How a request is decided", naively. */
  static Outcome layeredReference(List<L> layers, Own own, AgentScope who, Q q) {
    if (own.none()) {
      return new Outcome(Kind.DENY, "network.mode: none", false);
    }
    Outcome org = levelReference(layers, true, who, q);
    if (org.kind() == Kind.DENY && !byAllowRule(org)) {
      return org;
    }
    Outcome team = levelReference(layers, false, who, q);
    if (team.kind() == Kind.DENY && !byAllowRule(team)) {
      return team;
    }
    Outcome mine = reference(own.namedAllow(), own.namedDeny(), q);
    if (mine.kind() != Kind.UNKNOWN) {
      return mine;
    }
    // a layer's allows, the team's first; then a layer's allow rule that could not see into the
    // tunnel (it is no deny rule, so not final: it refuses only when nothing else allows)
    return team.kind() == Kind.ALLOW ? team : org.kind() == Kind.ALLOW ? org
        : team.kind() == Kind.DENY ? team : org;
  }

  /** A Deny that an allow rule with methods/paths gave a tunnel it cannot see into. */
  static boolean byAllowRule(Outcome o) {
    return o.rule().matches(".* scopes\\[\\d+\\] allow\\[\\d+\\] .*");
  }

  static boolean asksReference(List<L> layers, Own own, AgentScope who) {
    boolean forbidden = layers.stream().flatMap(l -> l.scopes().stream())
        .anyMatch(s -> s.unknownDeny() && s.match().matches(who));
    return !forbidden && own.unknown() == UnknownAction.ASK;
  }

  static List<M> layerRules(List<L> layers) {
    return layers.stream().flatMap(l -> l.scopes().stream())
        .flatMap(s -> Stream.concat(s.allow().stream(), s.deny().stream())).toList();
  }

  static String show(List<L> layers, Own own, AgentScope who) {
    StringBuilder b = new StringBuilder("\n agent " + who);
    for (L l : layers) {
      b.append("\n --- ").append(l.file()).append('\n').append(l.yaml());
    }
    return b.append(" own: ").append(show(own.allow(), own.deny())).append("\n  stored")
        .append(show(own.storedAllow(), own.storedDeny())).append(own.none() ? "\n  mode: none" : "")
        .toString();
  }

  @Test
  void layeredPolicyAgreesWithTheReferenceModel() {
    int[] kinds = new int[3];
    int[] byLayer = new int[2];
    forAll("layered = reference", 120, r -> {
      List<L> layers = layers(r, 2, 3);
      List<PolicyLayer> loaded = load(layers);
      List<M> all = layerRules(layers);
      for (int a = 0; a < 6; a++) {
        AgentScope who = agent(r);
        Own own = own(r);
        LayeredPolicy p = compileLayers(loaded, own, who);
        assertEquals(asksReference(layers, own, who), p.asks(), () -> show(layers, own, who));
        for (int i = 0; i < 15; i++) {
          Q q = request(r, requestHost(r, r.nextInt(3) == 0 ? own.all() : all));
          Outcome want = layeredReference(layers, own, who, q);
          Outcome got = decide(p, q);
          kinds[want.kind().ordinal()]++;
          if (want.rule() != null && want.rule().startsWith("org layer")) {
            byLayer[0]++;
          } else if (want.rule() != null && want.rule().startsWith("team layer")) {
            byLayer[1]++;
          }
          assertEquals(want, got, () -> q + show(layers, own, who) + "\n  engine: "
              + p.decide(q.request()));
        }
      }
    });
    coverage("layered = reference", kinds, 0.06);
    int total = kinds[0] + kinds[1] + kinds[2];
    System.out.println("  decided by the org layer " + byLayer[0] + ", by the team layer "
        + byLayer[1]);
    assertTrue(byLayer[0] > total / 50 && byLayer[1] > total / 50, "org " + byLayer[0]
        + " team " + byLayer[1] + " of " + total);
  }

  /**
   * An org grant with methods (and no {@code inspect}) cannot allow a CONNECT tunnel, but it is no
   * deny rule: it must not take away what agent.yaml allows itself (docs/policy-layers.md step 2
   * makes a layer's <em>deny</em> final; docs/agent-yaml.md refuses such a tunnel only when that
   * rule "is the only rule that would have" allowed it). Found by the property above.
   */
  @Test
  void aLayerAllowRuleWithMethodsDoesNotOverrideTheAgentsOwnAllow() throws Exception {
    AgentScope who = new AgentScope("bot", Optional.of("acme"), Optional.empty());
    M grant = new M(false, "api.a.com", List.of(443), List.of("GET"), List.of(), List.of(),
        false);
    List<L> org = List.of(new L("10-org", true, "acme", List.of(new Sc(new S("acme", null, null),
        List.of(grant), List.of(), false))));
    Own own = new Own(List.of(plain(false, "api.a.com", List.of(443))), List.of(), List.of(),
        List.of(), false, UnknownAction.ASK);
    LayeredPolicy p = layered(org, own, who);
    PolicyFixture.allows(p, PolicyFixture.tunnel("api.a.com", 443), "network.allow[0] api.a.com");
    // without the agent's rule the org's rule still refuses the tunnel, with its hint
    LayeredPolicy alone = layered(org, NOTHING, who);
    PolicyFixture.denies(alone, PolicyFixture.tunnel("api.a.com", 443),
        "org layer acme scopes[0] allow[0] api.a.com");
    // and an org deny rule stays final
    List<L> veto = List.of(new L("10-org", true, "acme", List.of(new Sc(new S("acme", null, null),
        List.of(), List.of(plain(true, "api.a.com", List.of())), false))));
    PolicyFixture.denies(layered(veto, own, who), PolicyFixture.tunnel("api.a.com", 443),
        "org layer acme scopes[0] deny[0] api.a.com");
  }

  @Test
  void anOrgDenyIsNeverOverriddenBelowTheOrgLayer() {
    int[] checked = {0};
    forAll("org deny is final", 60, r -> {
      AgentScope who = agent(r);
      List<L> orgOnly = layers(r, 2, 0).stream().filter(L::org).toList();
      // make sure some org scope matching the agent denies something
      S match = new S(r.nextBoolean() ? who.org().orElse(null) : null, null, null);
      if (match.text().isEmpty()) {
        match = new S("*", null, null);
      }
      M veto = deny(r, hostPattern(r));
      List<L> org = new ArrayList<>(orgOnly);
      org.add(new L("99-veto", true, "veto", List.of(new Sc(match, List.of(), List.of(veto),
          false))));
      List<M> orgRules = layerRules(org);
      LayeredPolicy alone = layered(org, NOTHING, who);
      // then team layers, agent.yaml and stored revisions that allow everything the org names
      List<L> withTeams = new ArrayList<>(org);
      List<L> teams = layers(r, 0, 3);
      for (L t : teams) { // renamed: file and layer names must not clash with the org's
        List<Sc> scopes = new ArrayList<>(t.scopes());
        scopes.add(new Sc(new S(null, null, who.name()), orgRules.stream()
            .map(m -> allow(r, m.host())).toList(), List.of(), false));
        withTeams.add(new L("t" + t.file(), false, "t" + t.name(), scopes));
      }
      withTeams.sort(Comparator.comparing(L::file));
      List<M> allowAll = orgRules.stream().map(m -> allow(r, m.host())).toList();
      Own generous = new Own(allowAll, List.of(), allowAll, List.of(), false, UnknownAction.ASK);
      LayeredPolicy stacked = layered(withTeams, generous, who);
      for (int i = 0; i < 30; i++) {
        Q q = request(r, requestHost(r, r.nextBoolean() ? List.of(veto) : orgRules));
        Decision d = alone.decide(q.request());
        if (d instanceof Decision.Deny && d.rule().startsWith("org layer")
            && !byAllowRule(Outcome.of(d))) {
          checked[0]++;
          Decision s = stacked.decide(q.request());
          assertEquals(d, s, () -> q + show(withTeams, generous, who));
        }
      }
    });
    System.out.println("org deny is final: " + checked[0] + " org denials checked");
    assertTrue(checked[0] > 250, "only " + checked[0] + " org denials checked");
  }

  @Test
  void atEqualSpecificityDenyBeatsAllowWithinALayer() {
    forAll("deny beats allow at equal specificity", 80, r -> {
      AgentScope who = agent(r);
      boolean org = r.nextBoolean();
      String host = hostPattern(r);
      M a = plain(false, host, List.of(443, 80));
      M d = plain(true, host, r.nextBoolean() ? List.of() : List.of(443));
      // two spellings of one rank, both matching the agent: left out vs *, and file order random
      S s1 = new S(who.org().orElse(null), r.nextBoolean() ? "*" : null, who.name());
      S s2 = new S(who.org().orElse(null), r.nextBoolean() ? "*" : null, who.name());
      assertEquals(s1.rank(), s2.rank());
      boolean denyFirst = r.nextBoolean();
      List<Sc> scopes = new ArrayList<>(List.of(new Sc(s1, List.of(a), List.of(), false),
          new Sc(s2, List.of(), List.of(d), false)));
      if (denyFirst) {
        Collections.reverse(scopes);
      }
      List<L> layers = new ArrayList<>();
      if (r.nextBoolean()) { // the two scopes in one file
        layers.add(new L("10-one", org, "one", scopes));
      } else { // or in two files of the same level
        layers.add(new L("10-one", org, "one", List.of(scopes.get(0))));
        layers.add(new L("20-two", org, "two", List.of(scopes.get(1))));
      }
      Own o = own(r);
      Own own = new Own(o.allow(), o.deny(), o.storedAllow(), o.storedDeny(), false, o.unknown());
      LayeredPolicy p = layered(layers, own, who);
      String h = host.startsWith("*.") ? labels(r, 1, 2) + host.substring(1) : host;
      Decision x = p.decide(PolicyFixture.tunnel(decorate(r, h), 443));
      Decision.Deny denied = assertInstanceOf(Decision.Deny.class, x, () -> show(layers, NOTHING,
          who));
      assertTrue(denied.rule().startsWith(org ? "org layer" : "team layer"), denied::rule);
      assertTrue(denied.rule().contains(" deny[0] "), denied::rule);
    });
  }

  @Test
  void aScopeThatDoesNotMatchTheAgentChangesNothing() {
    forAll("non-matching scopes are inert", 60, r -> {
      AgentScope who = agent(r);
      List<L> layers = layers(r, 2, 2);
      Own own = own(r);
      List<L> more = new ArrayList<>();
      for (L l : layers) {
        List<Sc> scopes = new ArrayList<>(l.scopes());
        int extra = 1 + r.nextInt(2);
        for (int i = 0; i < extra; i++) {
          S s;
          do {
            s = scopePattern(r);
          } while (s.matches(who));
          // anything at all, unknown: deny included; appended so earlier indexes keep their names
          scopes.add(new Sc(s, rules(r, false, 3), rules(r, true, 3), r.nextBoolean()));
        }
        more.add(new L(l.file(), l.org(), l.name(), scopes));
      }
      S s;
      do {
        s = scopePattern(r);
      } while (s.matches(who));
      more.add(new L("50-stranger", r.nextBoolean(), "stranger",
          List.of(new Sc(s, rules(r, false, 3), rules(r, true, 3), true))));
      more.sort(Comparator.comparing(L::file));
      LayeredPolicy p = layered(layers, own, who);
      LayeredPolicy q2 = layered(more, own, who);
      assertEquals(p.asks(), q2.asks());
      List<M> all = Stream.concat(layerRules(more).stream(), own.all().stream()).toList();
      for (int i = 0; i < 20; i++) {
        Q q = request(r, requestHost(r, all));
        assertEquals(p.decide(q.request()), q2.decide(q.request()),
            () -> q + show(more, own, who));
      }
    });
  }

  /** The model's scope matching and rank against AgentScope, which LayeredPolicy uses. */
  @Test
  void scopeMatchingAndSpecificityAgreeWithAgentScope() {
    forAll("scope match and rank", 5000, r -> {
      AgentScope who = agent(r);
      S a = scopePattern(r);
      S b = scopePattern(r);
      assertEquals(a.matches(who), who.matches(toolMatch(a)), () -> a.text() + " vs " + who);
      int model = Integer.signum(LEXICOGRAPHIC.compare(a.rank(), b.rank()));
      int engine = Integer.signum(Integer.compare(AgentScope.specificity(toolMatch(a)),
          AgentScope.specificity(toolMatch(b))));
      assertEquals(model, engine, () -> a.text() + " vs " + b.text());
    });
    // and the documented order itself: agent counts most, then team, then org
    assertTrue(LEXICOGRAPHIC.compare(new S(null, null, "bot").rank(),
        new S("acme", "data", "b*").rank()) > 0);
    assertTrue(LEXICOGRAPHIC.compare(new S("acme", "data", "b*").rank(),
        new S("acme", "data", null).rank()) > 0);
    assertTrue(LEXICOGRAPHIC.compare(new S(null, "d*", null).rank(),
        new S("acme", "*", null).rank()) > 0);
  }

  static ToolMatch toolMatch(S s) {
    return new ToolMatch(s.text(), Optional.ofNullable(s.org()), Optional.ofNullable(s.team()),
        Optional.ofNullable(s.agent()), Optional.empty(), Optional.empty());
  }
}
