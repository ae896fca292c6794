package dev.nemoclaw.bench;

import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.LayeredPolicy;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.ToolMatch;
import dev.nemoclaw.spec.UnknownAction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code CompiledPolicy.decide} against {@code rules} allow rules, a quarter each exact names,
 * {@code *.suffix} patterns, IPv4 /24 blocks and L7 rules (methods and path globs, plain HTTP),
 * plus 1% deny rules (exact and suffix). Each benchmark cycles through 1024 distinct requests of
 * its kind so no single lookup is cached or folded. The {@code layered*} benchmarks decide the
 * same requests through a {@link LayeredPolicy}: that policy as the agent's own, under an org layer
 * (100 deny, 100 allow rules for the agent's org, 1 000 for another org) and a team layer (100
 * allow rules), as a run with policy.d files decides them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PolicyBench {
  @Param({"10000"})
  int rules;

  private static final int N = 1024;
  private static final Optional<String> GIT = Optional.of("/usr/bin/git");

  CompiledPolicy policy;
  LayeredPolicy layered;
  EgressRequest[] orgDenyHit;
  /**
   * The peer: the same allow rules' host patterns as a list (exact names, and suffixes as
   * ".suffix"), scanned in order as a naive engine would.
   */
  String[] scanNames;
  boolean[] scanIsSuffix;
  EgressRequest[] exactHit;
  EgressRequest[] suffixHit;
  EgressRequest[] cidrHit;
  EgressRequest[] l7Hit;
  EgressRequest[] miss;
  EgressRequest[] denyHit;
  int i;

  @Setup(Level.Trial)
  public void setup() {
    int q = rules / 4;
    List<AllowRule> allow = new ArrayList<>();
    for (int k = 0; k < q; k++) {
      allow.add(rule(new HostPattern.Name("h" + k + ".svc" + (k % 97) + ".example.com")));
      allow.add(rule(new HostPattern.Suffix("s" + k + ".example.net")));
      allow.add(rule(new HostPattern.Cidr("10." + (k >> 8 & 255) + "." + (k & 255) + ".0", 24)));
      allow.add(new AllowRule(new HostPattern.Name("api" + k + ".example.org"), List.of(80),
          List.of("GET", "HEAD"), List.of("/v1/models/**", "/v1/*/status"), List.of(), false));
    }
    List<DenyRule> deny = new ArrayList<>();
    for (int k = 0; k < rules / 200; k++) {
      deny.add(new DenyRule(new HostPattern.Name("h" + k + ".svc" + (k % 97) + ".example.com"),
          List.of(), List.of(), List.of(), List.of()));
      deny.add(new DenyRule(new HostPattern.Suffix("bad" + k + ".example.net"), List.of(),
          List.of(), List.of(), List.of()));
    }
    scanNames = new String[allow.size()];
    scanIsSuffix = new boolean[allow.size()];
    for (int k = 0; k < allow.size(); k++) {
      HostPattern h = allow.get(k).host();
      scanIsSuffix[k] = h instanceof HostPattern.Suffix;
      scanNames[k] = h instanceof HostPattern.Suffix s ? "." + s.suffix() : h.text();
    }
    Network network = new Network(NetworkMode.PROXY, List.of(), allow, deny, UnknownAction.ASK,
        Duration.ofSeconds(60));
    policy = CompiledPolicy.compile(network);
    layered = LayeredPolicy.compile(network, RuleSet.EMPTY, layers(),
        new AgentScope("bench", Optional.of("acme"), Optional.of("data")));
    exactHit = new EgressRequest[N];
    suffixHit = new EgressRequest[N];
    cidrHit = new EgressRequest[N];
    l7Hit = new EgressRequest[N];
    miss = new EgressRequest[N];
    denyHit = new EgressRequest[N];
    int denies = rules / 200;
    for (int n = 0; n < N; n++) {
      int k = q - 1 - (n * 7919 % (q - denies));
      exactHit[n] = EgressRequest.tunnel("h" + k + ".svc" + (k % 97) + ".example.com", 443, GIT);
      suffixHit[n] = EgressRequest.tunnel("objects.cdn.s" + k + ".example.net", 443, GIT);
      cidrHit[n] = EgressRequest.tunnel("10." + (k >> 8 & 255) + "." + (k & 255) + "." + (n & 255),
          443, GIT);
      l7Hit[n] = new EgressRequest("api" + k + ".example.org", 80, Optional.of("GET"),
          Optional.of("/v1/models/m" + n + "/files?page=2"), GIT);
      miss[n] = EgressRequest.tunnel("www.unlisted" + n + ".example.io", 443, GIT);
      denyHit[n] = EgressRequest.tunnel("x.y.bad" + (n % denies) + ".example.net", 443, GIT);
    }
    check(exactHit, Decision.Allow.class);
    check(suffixHit, Decision.Allow.class);
    check(cidrHit, Decision.Allow.class);
    check(l7Hit, Decision.Allow.class);
    check(miss, Decision.Unknown.class);
    check(denyHit, Decision.Deny.class);
    orgDenyHit = new EgressRequest[N];
    for (int n = 0; n < N; n++) {
      orgDenyHit[n] = EgressRequest.tunnel("x.org-bad" + (n % 100) + ".example.net", 443, GIT);
    }
    check(layered, exactHit, Decision.Allow.class);
    check(layered, miss, Decision.Unknown.class);
    check(layered, orgDenyHit, Decision.Deny.class);
  }

  private static List<PolicyLayer> layers() {
    List<AllowRule> orgAllow = new ArrayList<>();
    List<DenyRule> orgDeny = new ArrayList<>();
    List<AllowRule> teamAllow = new ArrayList<>();
    List<AllowRule> otherOrg = new ArrayList<>();
    for (int k = 0; k < 100; k++) {
      orgAllow.add(rule(new HostPattern.Name("mirror" + k + ".acme.example")));
      orgDeny.add(new DenyRule(new HostPattern.Suffix("org-bad" + k + ".example.net"), List.of(),
          List.of(), List.of(), List.of()));
      teamAllow.add(rule(new HostPattern.Suffix("data" + k + ".acme.example")));
    }
    for (int k = 0; k < 1000; k++) {
      otherOrg.add(rule(new HostPattern.Name("other" + k + ".example.com")));
    }
    return List.of(
        new PolicyLayer(Path.of("/bench/org.yaml"), PolicyLayer.Level.ORG, "org", List.of(
            new PolicyLayer.Scope(0, scope(Optional.of("acme"), Optional.empty()), orgAllow,
                orgDeny, Optional.empty()),
            new PolicyLayer.Scope(1, scope(Optional.of("other"), Optional.empty()), otherOrg,
                List.of(), Optional.empty()))),
        new PolicyLayer(Path.of("/bench/team.yaml"), PolicyLayer.Level.TEAM, "team", List.of(
            new PolicyLayer.Scope(0, scope(Optional.of("acme"), Optional.of("data")), teamAllow,
                List.of(), Optional.empty()))));
  }

  private static ToolMatch scope(Optional<String> org, Optional<String> team) {
    return new ToolMatch("bench", org, team, Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static AllowRule rule(HostPattern h) {
    return new AllowRule(h, List.of(443), List.of(), List.of(), List.of(), false);
  }

  private void check(EgressRequest[] requests, Class<? extends Decision> expected) {
    check(policy, requests, expected);
  }

  private static void check(EgressPolicy policy, EgressRequest[] requests,
      Class<? extends Decision> expected) {
    for (EgressRequest r : requests) {
      Decision d = policy.decide(r);
      if (!expected.isInstance(d)) {
        throw new IllegalStateException(r + " -> " + d + ", expected " + expected.getSimpleName());
      }
    }
  }

  private Decision next(EgressRequest[] requests) {
    i = (i + 1) & (N - 1);
    return policy.decide(requests[i]);
  }

  private Decision nextLayered(EgressRequest[] requests) {
    i = (i + 1) & (N - 1);
    return layered.decide(requests[i]);
  }

  @Benchmark
  public Decision layeredExactHit() {
    return nextLayered(exactHit);
  }

  @Benchmark
  public Decision layeredMiss() {
    return nextLayered(miss);
  }

  @Benchmark
  public Decision layeredOrgDenyHit() {
    return nextLayered(orgDenyHit);
  }

  @Benchmark
  public Decision exactHit() {
    return next(exactHit);
  }

  @Benchmark
  public Decision suffixHit() {
    return next(suffixHit);
  }

  @Benchmark
  public Decision cidrHit() {
    return next(cidrHit);
  }

  @Benchmark
  public Decision l7Hit() {
    return next(l7Hit);
  }

  @Benchmark
  public Decision miss() {
    return next(miss);
  }

  @Benchmark
  public Decision denyHit() {
    return next(denyHit);
  }

  /**
   * Peer in the same run: a linear scan of the allow rules comparing host patterns only (no ports,
   * deny rules, CIDR or L7; CIDR rules compare as names and never match), for a miss, which must look at every rule. What the index saves.
   */
  @Benchmark
  public int linearScanMiss() {
    i = (i + 1) & (N - 1);
    String host = miss[i].host();
    for (int k = 0; k < scanNames.length; k++) {
      if (scanIsSuffix[k] ? host.endsWith(scanNames[k]) : host.equals(scanNames[k])) {
        return k;
      }
    }
    return -1;
  }
}
