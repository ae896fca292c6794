package dev.nemoclaw.policy;

import static dev.nemoclaw.policy.PolicyFixture.allows;
import static dev.nemoclaw.policy.PolicyFixture.denies;
import static dev.nemoclaw.policy.PolicyFixture.http;
import static dev.nemoclaw.policy.PolicyFixture.tunnel;
import static dev.nemoclaw.policy.PolicyFixture.unknown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompiledPolicyTest {
  @TempDir Path dir;

  CompiledPolicy policy(String network) {
    return PolicyFixture.compile(dir, network);
  }

  @Test
  void inspectsWhenAnAllowRuleInForceAsksForInspection() {
    assertFalse(policy("allow: [{host: a.example}]\n").inspects());
    assertTrue(policy("allow: [{host: a.example}, {host: b.example, inspect: true}]\n")
        .inspects());
    assertFalse(policy("mode: none\nallow: [{host: b.example, inspect: true}]\n").inspects());
    CompiledPolicy yaml = policy("allow: [{host: a.example}]\n");
    dev.nemoclaw.spec.Network network = new dev.nemoclaw.spec.Network(
        dev.nemoclaw.spec.NetworkMode.PROXY, List.of(), List.of(), List.of(),
        dev.nemoclaw.spec.UnknownAction.DENY, java.time.Duration.ofSeconds(1));
    RuleSet added = new RuleSet(List.of(new StoredRule.Allow(2, 0, new dev.nemoclaw.spec.AllowRule(
        new dev.nemoclaw.spec.HostPattern.Name("c.example"), List.of(443), List.of(), List.of(),
        List.of(), true))), List.of());
    assertFalse(yaml.inspects());
    assertTrue(CompiledPolicy.compile(network, added).inspects(), "a stored revision counts too");
  }

  @Nested
  class DenyWins {
    @Test
    void denyBeatsAnAllowOfTheSameHostWhateverTheOrder() {
      CompiledPolicy p = policy("""
          allow: [{host: api.github.com}, {host: "*.github.com"}]
          deny: [{host: api.github.com}]
          """);
      Decision.Deny d = denies(p, tunnel("api.github.com", 443), "network.deny[0] api.github.com");
      assertTrue(d.reason().contains("deny rules win"), d::reason);
      assertTrue(d.hint().contains("network.deny[0]"), d::hint);
      allows(p, tunnel("www.github.com", 443), "network.allow[1] *.github.com");
    }

    @Test
    void wildcardDenyBeatsExactAllow() {
      CompiledPolicy p = policy("""
          allow: [{host: paste.pastebin.com}]
          deny: [{host: "*.pastebin.com"}]
          """);
      denies(p, tunnel("paste.pastebin.com", 443), "network.deny[0] *.pastebin.com");
      // the apex is not covered by the wildcard deny, and nothing allows it
      unknown(p, tunnel("pastebin.com", 443));
    }

    @Test
    void denyBeatsPresetAllow() {
      CompiledPolicy p = policy("""
          presets: [github]
          deny: [{host: raw.githubusercontent.com}]
          """);
      denies(p, tunnel("raw.githubusercontent.com", 443),
          "network.deny[0] raw.githubusercontent.com");
      allows(p, tunnel("api.github.com", 443), "preset github allow[1] api.github.com");
    }

    @Test
    void denyWithoutPortsCoversEveryPortDenyWithPortsOnlyThose() {
      CompiledPolicy p = policy("""
          allow: [{host: a.example.com, ports: [22, 443, 8443]}]
          deny: [{host: a.example.com, ports: [22]}, {host: b.example.com}]
          """);
      denies(p, tunnel("a.example.com", 22), "network.deny[0] a.example.com");
      allows(p, tunnel("a.example.com", 8443), "network.allow[0] a.example.com");
      denies(p, tunnel("b.example.com", 1), "network.deny[1] b.example.com");
      denies(p, tunnel("b.example.com", 65535), "network.deny[1] b.example.com");
    }

    @Test
    void theFirstMatchingDenyRuleIsNamed() {
      CompiledPolicy p = policy("""
          deny: [{host: "*.evil.net"}, {host: x.evil.net}]
          """);
      denies(p, tunnel("x.evil.net", 443), "network.deny[0] *.evil.net");
    }

    @Test
    void denyMethodRuleRefusesOnlyThatMethodOnPlainHttp() {
      CompiledPolicy p = policy("""
          allow: [{host: api.example.com, ports: [80]}]
          deny: [{host: api.example.com, methods: [DELETE], ports: [80]}]
          """);
      denies(p, http("api.example.com", 80, "DELETE", "/x"), "network.deny[0] api.example.com");
      denies(p, http("api.example.com", 80, "delete", "/x"), "network.deny[0] api.example.com");
      allows(p, http("api.example.com", 80, "GET", "/x"), "network.allow[0] api.example.com");
    }

    @Test
    void denyWithMethodsOrPathsRefusesATunnelThatHidesThemUnlessInspected() {
      CompiledPolicy plain = policy("""
          allow: [{host: api.example.com}]
          deny: [{host: api.example.com, paths: ["/admin/**"]}]
          """);
      Decision.Deny d = denies(plain, tunnel("api.example.com", 443),
          "network.deny[0] api.example.com");
      assertTrue(d.reason().contains("tunnel hides"), d::reason);
      assertTrue(d.hint().contains("inspect: true"), d::hint);

      CompiledPolicy inspected = policy("""
          allow: [{host: api.example.com, inspect: true}]
          deny: [{host: api.example.com, paths: ["/admin/**"]}]
          """);
      Decision.Allow a = allows(inspected, tunnel("api.example.com", 443),
          "network.allow[0] api.example.com");
      assertTrue(a.inspect());
      // inside the inspected tunnel, each request is decided with its path
      denies(inspected, http("api.example.com", 443, "GET", "/admin/users"),
          "network.deny[0] api.example.com");
      allows(inspected, http("api.example.com", 443, "GET", "/public"),
          "network.allow[0] api.example.com");
    }

    @Test
    void denyPathRuleCannotBeDodgedWithTraversalEncodingOrDoubleSlashes() {
      CompiledPolicy p = policy("""
          allow: [{host: h.example.com, ports: [80]}]
          deny: [{host: h.example.com, ports: [80], paths: ["/admin/**"]}]
          """);
      for (String path : List.of("/admin", "/admin/", "/admin/x", "//admin/x", "/%61dmin/x",
          "/public/../admin/x", "/public/%2e%2e/admin", "/public%2f..%2fadmin", "/x/..;/admin",
          "/admin?x=1", "/./admin", "\\admin")) {
        denies(p, http("h.example.com", 80, "GET", path), "network.deny[0] h.example.com");
      }
      allows(p, http("h.example.com", 80, "GET", "/administrator"),
          "network.allow[0] h.example.com");
    }

    @Test
    void matrixParametersCannotDodgeADenyNorWidenAnAllow() {
      CompiledPolicy p = policy("""
          allow: [{host: h.example.com, ports: [80], paths: ["/repos/**", "/files/*;v=1"]}]
          deny: [{host: h.example.com, ports: [80], paths: ["/repos/secret/**"]}]
          """);
      // Tomcat reads /repos/secret;x/key as /repos/secret/key
      denies(p, http("h.example.com", 80, "GET", "/repos/secret;x/key"),
          "network.deny[0] h.example.com");
      allows(p, http("h.example.com", 80, "GET", "/repos/a;b/c"), "network.allow[0] h.example.com");
      // only one reading of /files/a;v=1 (with params) is covered, so it is not allowed
      unknown(p, http("h.example.com", 80, "GET", "/files/a;v=1"));
      // and /admin;/repos/x is /admin;/repos/x to one server, /admin/repos/x to another
      unknown(p, http("h.example.com", 80, "GET", "/admin;/repos/x"));
    }
  }

  @Nested
  class HostPatterns {
    @Test
    void exactNameMatchesOnlyItself() {
      CompiledPolicy p = policy("allow: [{host: api.github.com}]");
      allows(p, tunnel("api.github.com", 443), "network.allow[0] api.github.com");
      allows(p, tunnel("API.GitHub.com", 443), "network.allow[0] api.github.com");
      allows(p, tunnel("api.github.com.", 443), "network.allow[0] api.github.com");
      unknown(p, tunnel("x.api.github.com", 443));
      unknown(p, tunnel("github.com", 443));
      unknown(p, tunnel("api.github.com.evil.net", 443));
    }

    @Test
    void wildcardMatchesSubdomainsNeverTheApexNorLookAlikes() {
      CompiledPolicy p = policy("allow: [{host: \"*.example.com\"}]");
      allows(p, tunnel("a.example.com", 443), "network.allow[0] *.example.com");
      allows(p, tunnel("a.b.c.example.com", 443), "network.allow[0] *.example.com");
      unknown(p, tunnel("example.com", 443));
      unknown(p, tunnel("evilexample.com", 443));
      unknown(p, tunnel("a.evilexample.com", 443));
      unknown(p, tunnel("example.com.evil.net", 443));
      unknown(p, tunnel("a.example.com.evil.net", 443));
      unknown(p, tunnel("example.org", 443));
    }

    @Test
    void malformedHostsAreRefusedNotMatched() {
      CompiledPolicy p = policy("allow: [{host: \"*.example.com\"}, {host: 10.0.0.0/8}]");
      for (String h : List.of("a..example.com", ".example.com", "a b.example.com",
          "a.example.com/x", "", "10.1", "167772161", "010.0.0.1", "10.0.0.256")) {
        denies(p, tunnel(h, 443), "invalid destination");
      }
      denies(p, tunnel("a.example.com", 0), "invalid destination");
      denies(p, tunnel("a.example.com", 70000), "invalid destination");
    }

    @Test
    void namesNeverMatchAddressRulesNorAddressesNameRules() {
      CompiledPolicy p = policy("allow: [{host: 10.0.0.0/8}, {host: \"*.example.com\"}]");
      unknown(p, tunnel("ten.example.net", 443));
      unknown(p, tunnel("10.0.0.1.example.org", 443));
      allows(p, tunnel("10.example.com", 443), "network.allow[1] *.example.com");
    }
  }

  @Nested
  class Addresses {
    @Test
    void exactAddressAndCidrV4() {
      CompiledPolicy p = policy("""
          allow: [{host: 192.168.1.10, ports: [5432]}, {host: 10.0.0.0/8, ports: [443, 80]}]
          """);
      allows(p, tunnel("192.168.1.10", 5432), "network.allow[0] 192.168.1.10");
      unknown(p, tunnel("192.168.1.11", 5432));
      allows(p, tunnel("10.255.0.1", 80), "network.allow[1] 10.0.0.0/8");
      unknown(p, tunnel("11.0.0.1", 443));
      unknown(p, tunnel("9.255.255.255", 443));
    }

    @Test
    void cidrV6AndBracketedLiterals() {
      CompiledPolicy p = policy("""
          allow: [{host: "2001:db8::/32"}, {host: "::1", ports: [8080]}]
          """);
      allows(p, tunnel("2001:db8:0:0:0:0:0:1", 443), "network.allow[0] 2001:db8:0:0:0:0:0:0/32");
      allows(p, tunnel("[2001:db8:ffff::1]", 443), "network.allow[0] 2001:db8:0:0:0:0:0:0/32");
      unknown(p, tunnel("2001:db9::1", 443));
      allows(p, tunnel("0:0:0:0:0:0:0:1", 8080), "network.allow[1] 0:0:0:0:0:0:0:1");
      unknown(p, tunnel("::2", 8080));
    }

    @Test
    void ipv4MappedIpv6IsItsIpv4Form() {
      CompiledPolicy p = policy("""
          allow: [{host: 10.0.0.0/8}]
          deny: [{host: 169.254.169.254}]
          """);
      allows(p, tunnel("::ffff:10.1.2.3", 443), "network.allow[0] 10.0.0.0/8");
      allows(p, tunnel("[::ffff:a01:203]", 443), "network.allow[0] 10.0.0.0/8");
      denies(p, tunnel("::ffff:169.254.169.254", 443), "network.deny[0] 169.254.169.254");
    }

    @Test
    void overlappingCidrsDenyWinsAcrossPrefixLengths() {
      CompiledPolicy p = policy("""
          allow: [{host: 10.0.0.0/8}]
          deny: [{host: 10.1.0.0/16, ports: [22]}]
          """);
      denies(p, tunnel("10.1.2.3", 22), "network.deny[0] 10.1.0.0/16");
      allows(p, tunnel("10.1.2.3", 443), "network.allow[0] 10.0.0.0/8");
      unknown(p, tunnel("10.2.0.1", 22));
    }

    @Test
    void namesAddressOnlyForAddressRulesAndNotWhenDenied() throws Exception {
      CompiledPolicy p = policy("""
          allow:
            - {host: 10.0.0.0/8, ports: [443]}
            - {host: "fd00::/8"}
            - {host: internal.example.com}
          deny: [{host: 10.66.0.0/16}]
          """);
      assertTrue(p.namesAddress(InetAddress.ofLiteral("10.1.2.3"), 443));
      assertFalse(p.namesAddress(InetAddress.ofLiteral("10.1.2.3"), 80), "port");
      assertFalse(p.namesAddress(InetAddress.ofLiteral("10.66.1.1"), 443), "denied");
      assertFalse(p.namesAddress(InetAddress.ofLiteral("127.0.0.1"), 443));
      assertTrue(p.namesAddress(InetAddress.ofLiteral("fd12::1"), 443));
      assertFalse(p.namesAddress(InetAddress.ofLiteral("fe80::1"), 443));
      byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
      assertTrue(p.namesAddress(Inet6Address.getByAddress(null, mapped, -1), 443),
          "an IPv4-mapped Inet6Address is its IPv4 form");
      mapped[12] = 127;
      assertFalse(p.namesAddress(Inet6Address.getByAddress(null, mapped, -1), 443));
    }
  }

  @Nested
  class Ports {
    @Test
    void allowDefaultsTo443Only() {
      CompiledPolicy p = policy("allow: [{host: api.example.com}]");
      allows(p, tunnel("api.example.com", 443), "network.allow[0] api.example.com");
      Decision.Unknown u = unknown(p, tunnel("api.example.com", 80));
      assertEquals("network.unknown: ask", u.rule());
      assertTrue(u.reason().contains("covers only ports [443]"), u::reason);
      assertEquals("add 80 to the ports of network.allow[0] api.example.com, or approve it when"
          + " asked", u.hint());
    }

    @Test
    void listedPortsOnly() {
      CompiledPolicy p = policy("allow: [{host: deb.example.org, ports: [80, 443]}]");
      allows(p, tunnel("deb.example.org", 80), "network.allow[0] deb.example.org");
      allows(p, tunnel("deb.example.org", 443), "network.allow[0] deb.example.org");
      unknown(p, tunnel("deb.example.org", 8080));
    }
  }

  @Nested
  class L7 {
    static final String GITHUB = """
        allow:
          - {host: api.github.com, methods: [GET, HEAD], paths: ["/repos/**"], ports: [80, 443]}
        """;

    @Test
    void methodsAreCaseInsensitive() {
      CompiledPolicy p = policy(GITHUB);
      allows(p, http("api.github.com", 80, "get", "/repos/a/b"),
          "network.allow[0] api.github.com");
      Decision.Unknown u = unknown(p, http("api.github.com", 80, "POST", "/repos/a/b"));
      assertTrue(u.reason().contains("allows only methods [GET, HEAD], not POST"), u::reason);
      assertEquals("add POST to the methods of network.allow[0] api.github.com, or approve it"
          + " when asked", u.hint());
    }

    @Test
    void pathGlobs() {
      CompiledPolicy p = policy("""
          allow:
            - {host: h.example.com, ports: [80], paths: ["/a/*/c", "/b/**", "/d/**/z", "/e/*.json"]}
          """);
      for (String ok : List.of("/a/x/c", "/b", "/b/", "/b/x", "/b/x/y/z", "/d/z", "/d/x/y/z",
          "/e/data.json", "/a/x/c?q=/../", "/b/x#frag")) {
        allows(p, http("h.example.com", 80, "GET", ok), "network.allow[0] h.example.com");
      }
      for (String no : List.of("/a/x/y/c", "/a/c", "/bb", "/d/z/y", "/e/x/y.json", "/e/x.jsonp",
          "/", "/A/x/c")) {
        unknown(p, http("h.example.com", 80, "GET", no));
      }
    }

    @Test
    void traversalAndEncodedSlashesCannotSlipThroughAPathRule() {
      CompiledPolicy p = policy(GITHUB);
      allows(p, http("api.github.com", 80, "GET", "/repos/a/b"),
          "network.allow[0] api.github.com");
      for (String sneaky : List.of("/repos/../admin", "/repos/a/../../admin", "/repos/%2e%2e/admin",
          "/repos/%2E%2E/admin", "/repos/.%2e/admin", "/repos/..%2fadmin", "/repos%2f..%2fadmin",
          "/repos/%2fadmin", "/repos/..;/admin", "/repos/./x", "/repos\\..\\admin",
          "/repos/%5c..%5cadmin", "/repos/%00", "/repos/%zz", "/repos/%2", "repos/a", "*")) {
        Decision.Unknown u = unknown(p, http("api.github.com", 80, "GET", sneaky));
        assertTrue(u.reason().contains("allows only paths"), () -> sneaky + ": " + u.reason());
      }
      // folded, not refused: these mean the same path to every server
      allows(p, http("api.github.com", 80, "GET", "//repos//a"), "network.allow[0] api.github.com");
      allows(p, http("api.github.com", 80, "GET", "/%72epos/a"), "network.allow[0] api.github.com");
    }

    @Test
    void l7RuleWithoutInspectCannotMatchATunnelAndSaysWhy() {
      CompiledPolicy p = policy(GITHUB);
      Decision.Deny d = denies(p, tunnel("api.github.com", 443), "network.allow[0] api.github.com");
      assertTrue(d.reason().contains("CONNECT tunnel hides"), d::reason);
      assertTrue(d.hint().contains("set inspect: true on network.allow[0] api.github.com"),
          d::hint);
      assertTrue(d.hint().contains("drop its methods/paths"), d::hint);
    }

    @Test
    void anotherRuleAllowingTheWholeHostWinsOverTheL7Refusal() {
      CompiledPolicy p = policy(GITHUB + "  - {host: \"*.github.com\"}\n");
      allows(p, tunnel("api.github.com", 443), "network.allow[1] *.github.com");
    }

    @Test
    void l7RuleWithInspectAllowsTheTunnelForInspection() {
      CompiledPolicy p = policy("""
          allow: [{host: api.github.com, methods: [GET], paths: ["/repos/**"], inspect: true}]
          """);
      Decision.Allow a = allows(p, tunnel("api.github.com", 443),
          "network.allow[0] api.github.com");
      assertTrue(a.inspect());
      assertTrue(a.reason().contains("TLS is inspected"), a::reason);
      allows(p, http("api.github.com", 443, "GET", "/repos/x"), "network.allow[0] api.github.com");
      unknown(p, http("api.github.com", 443, "GET", "/user"));
      unknown(p, http("api.github.com", 443, "DELETE", "/repos/x"));
    }

    @Test
    void aTunnelPrefersTheRuleThatAsksForInspection() {
      CompiledPolicy p = policy("""
          presets: [github]
          allow: [{host: api.github.com, inspect: true}]
          """);
      Decision.Allow a = allows(p, tunnel("api.github.com", 443),
          "network.allow[0] api.github.com");
      assertTrue(a.inspect());
      Decision.Allow plain = allows(p, tunnel("github.com", 443), "preset github allow[0] github.com");
      assertFalse(plain.inspect());
    }

    @Test
    void plainHttpWithoutMethodRestrictionsMatchesAnyMethod() {
      CompiledPolicy p = policy("allow: [{host: deb.debian.org, ports: [80]}]");
      allows(p, http("deb.debian.org", 80, "GET", "/debian/x"), "network.allow[0] deb.debian.org");
      allows(p, http("deb.debian.org", 80, "PROPFIND", "/"), "network.allow[0] deb.debian.org");
    }
  }

  @Nested
  class Binaries {
    static final String GIT_ONLY = "allow: [{host: github.com, binaries: [/usr/bin/git]}]";

    @Test
    void knownBinaryMustBeListedExactly() {
      CompiledPolicy p = policy(GIT_ONLY);
      allows(p, tunnel("github.com", 443, "/usr/bin/git"), "network.allow[0] github.com");
      Decision.Unknown u = unknown(p, tunnel("github.com", 443, "/usr/bin/curl"));
      assertTrue(u.reason().contains("only for [/usr/bin/git], not /usr/bin/curl"), u::reason);
      assertEquals("add /usr/bin/curl to the binaries of network.allow[0] github.com, or approve"
          + " it when asked", u.hint());
      unknown(p, tunnel("github.com", 443, "/usr/bin/git2"));
      unknown(p, tunnel("github.com", 443, "/usr/local/bin/../../bin/git"));
    }

    @Test
    void unknownBinaryFailsClosedForAllowRules() {
      CompiledPolicy p = policy(GIT_ONLY);
      Decision.Unknown u = unknown(p, tunnel("github.com", 443));
      assertTrue(u.reason().contains("could not be identified"), u::reason);
    }

    @Test
    void unknownBinaryFailsClosedForDenyRulesToo() {
      CompiledPolicy p = policy("""
          allow: [{host: github.com}]
          deny: [{host: github.com, binaries: [/usr/bin/curl]}]
          """);
      denies(p, tunnel("github.com", 443, "/usr/bin/curl"), "network.deny[0] github.com");
      denies(p, tunnel("github.com", 443), "network.deny[0] github.com");
      allows(p, tunnel("github.com", 443, "/usr/bin/git"), "network.allow[0] github.com");
    }

    @Test
    void aRuleWithoutBinariesAppliesWhetherOrNotTheBinaryIsKnown() {
      CompiledPolicy p = policy("allow: [{host: github.com}]");
      allows(p, tunnel("github.com", 443), "network.allow[0] github.com");
      allows(p, tunnel("github.com", 443, "/x"), "network.allow[0] github.com");
    }
  }

  @Nested
  class Naming {
    @Test
    void rulesAreNamedWhereTheUserFindsThem() {
      CompiledPolicy p = policy("""
          presets: [npm, github]
          allow: [{host: a.example.com}, {host: b.example.com}, {host: "*.c.example.com"}]
          deny: [{host: "*.pastebin.com"}]
          """);
      allows(p, tunnel("registry.npmjs.org", 443), "preset npm allow[0] registry.npmjs.org");
      allows(p, tunnel("api.github.com", 443), "preset github allow[1] api.github.com");
      allows(p, tunnel("b.example.com", 443), "network.allow[1] b.example.com");
      Decision.Allow a = allows(p, tunnel("x.c.example.com", 443),
          "network.allow[2] *.c.example.com");
      assertEquals("x.c.example.com:443 is allowed by network.allow[2] *.c.example.com.",
          a.reason());
      denies(p, tunnel("x.pastebin.com", 443), "network.deny[0] *.pastebin.com");
    }

    @Test
    void presetRuleNearMissHintsAtAgentYamlNotThePreset() {
      CompiledPolicy p = policy("presets: [github]");
      Decision.Unknown u = unknown(p, tunnel("api.github.com", 22));
      assertTrue(u.reason().contains("preset github allow[1] api.github.com covers only ports"),
          u::reason);
      assertEquals("add {host: api.github.com, ports: [22]} to network.allow in agent.yaml, or"
          + " approve it when asked", u.hint());
    }

    @Test
    void unknownNamesTheUnknownActionAndHintsWhatToAdd() {
      Decision.Unknown u = unknown(policy("unknown: deny"), tunnel("example.org", 8443));
      assertEquals("network.unknown: deny", u.rule());
      assertEquals("No rule covers example.org:8443.", u.reason());
      assertEquals("add {host: example.org, ports: [8443]} to network.allow in agent.yaml",
          u.hint());
      Decision.Unknown v6 = unknown(policy("allow: []"), tunnel("2001:db8::1", 443));
      assertEquals("No rule covers [2001:db8:0:0:0:0:0:1]:443.", v6.reason());
      assertTrue(v6.hint().startsWith("add {host: \"2001:db8:0:0:0:0:0:1\", ports: [443]}"),
          v6::hint);
    }

    @Test
    void explainListsShadowedRules() {
      CompiledPolicy p = policy("""
          presets: [github]
          allow: [{host: "*.github.com"}]
          deny: [{host: api.github.com, ports: [443]}]
          """);
      CompiledPolicy.Explanation e = p.explain(tunnel("api.github.com", 443));
      assertEquals("network.deny[0] api.github.com", e.decision().rule());
      assertEquals(List.of("preset github allow[1] api.github.com", "network.allow[0] *.github.com"),
          e.alsoMatching());
    }
  }

  @Test
  void networkNoneRefusesEverything() throws Exception {
    CompiledPolicy p = policy("mode: none\nallow: [{host: 10.0.0.1}]");
    denies(p, tunnel("10.0.0.1", 443), "network.mode: none");
    assertFalse(p.namesAddress(InetAddress.ofLiteral("10.0.0.1"), 443));
  }

  @Test
  void tenThousandRulesStillDecideByIndex() {
    StringBuilder sb = new StringBuilder("allow:\n");
    for (int i = 0; i < 10_000; i++) {
      sb.append(switch (i % 4) {
        case 0 -> "  - {host: h" + i + ".example.com}\n";
        case 1 -> "  - {host: \"*.s" + i + ".example.net\"}\n";
        case 2 -> "  - {host: 10." + (i >> 8 & 255) + "." + (i & 255) + ".0/24}\n";
        default -> "  - {host: api" + i + ".example.org, methods: [GET], paths: [\"/v1/**\"],"
            + " ports: [80]}\n";
      });
    }
    sb.append("deny: [{host: h4.example.com}]\n");
    CompiledPolicy p = policy(sb.toString());
    assertEquals(10_001, p.ruleCount());
    allows(p, tunnel("h9996.example.com", 443), "network.allow[9996] h9996.example.com");
    allows(p, tunnel("a.b.s9997.example.net", 443), "network.allow[9997] *.s9997.example.net");
    unknown(p, tunnel("s9997.example.net", 443));
    int i = 9998;
    allows(p, tunnel("10." + (i >> 8 & 255) + "." + (i & 255) + ".77", 443),
        "network.allow[9998] 10.39.14.0/24");
    allows(p, http("api9999.example.org", 80, "GET", "/v1/x"),
        "network.allow[9999] api9999.example.org");
    denies(p, tunnel("h4.example.com", 443), "network.deny[0] h4.example.com");
    unknown(p, tunnel("h1.example.com", 443));
  }

}
