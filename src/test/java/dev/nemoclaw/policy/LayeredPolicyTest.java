package dev.nemoclaw.policy;

import static dev.nemoclaw.policy.PolicyFixture.allows;
import static dev.nemoclaw.policy.PolicyFixture.denies;
import static dev.nemoclaw.policy.PolicyFixture.tunnel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.PolicyLayer;
import dev.nemoclaw.spec.PolicyLayers;
import dev.nemoclaw.spec.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Org and team layers over agent.yaml: scopes, specificity, deny precedence, unknown: deny. */
class LayeredPolicyTest {
  @TempDir Path dir;

  static final AgentScope DATA_BOT = new AgentScope("data-bot", Optional.of("acme"),
      Optional.of("data"));

  static final String ORG = """
      apiVersion: nemoclaw.dev/v1
      kind: PolicyLayer
      layer: org
      name: acme
      scopes:
        - match: "org:acme"
          deny: [{host: "*.pastebin.com"}, {host: pastebin.com}]
          allow: [{host: artifacts.acme.example}]
        - match: "org:acme/team:research"
          allow: [{host: pastebin.com}]
        - match: "org:other"
          deny: [{host: api.github.com}]
      """;

  static final String TEAM = """
      apiVersion: nemoclaw.dev/v1
      kind: PolicyLayer
      layer: team
      name: data
      scopes:
        - match: "org:acme/team:data"
          allow: [{host: pypi.org}, {host: files.pythonhosted.org}]
          deny: [{host: artifacts.acme.example, ports: [443]}]
        - match: "org:acme/team:data/agent:data-*"
          allow: [{host: s3.amazonaws.com}]
        - match: "team:data/agent:data-bot"
          deny: [{host: s3.amazonaws.com}]
      """;

  LayeredPolicy policy(String network, AgentScope who, String... layers) throws Exception {
    Path layerDir = Files.createDirectories(dir.resolve("policy.d"));
    for (int i = 0; i < layers.length; i++) {
      Files.writeString(layerDir.resolve(i + ".yaml"), layers[i]);
    }
    List<PolicyLayer> loaded = PolicyLayers.load(layerDir);
    return LayeredPolicy.compile(PolicyFixture.network(dir, network), RuleSet.EMPTY, loaded, who);
  }

  @Test
  void anOrgDenyCannotBeAllowedByTheAgent() throws Exception {
    LayeredPolicy p = policy("allow: [{host: pastebin.com}]\nunknown: ask", DATA_BOT, ORG);
    denies(p, tunnel("pastebin.com", 443), "org layer acme scopes[0] deny[1] pastebin.com");
    LayeredPolicy.Explanation x = p.explain(tunnel("pastebin.com", 443));
    assertEquals("org", x.layer());
    assertEquals(Optional.of(dir.resolve("policy.d/0.yaml").toAbsolutePath()), x.file());
    assertEquals(List.of("network.allow[0] pastebin.com"), x.shadowed());
  }

  @Test
  void withinALayerTheMostSpecificScopeWins() throws Exception {
    AgentScope researcher = new AgentScope("r1", Optional.of("acme"), Optional.of("research"));
    LayeredPolicy p = policy("unknown: deny", researcher, ORG);
    allows(p, tunnel("pastebin.com", 443), "org layer acme scopes[1] allow[0] pastebin.com");
    // the less specific org-wide deny still holds for subdomains nothing more specific allows
    denies(p, tunnel("x.pastebin.com", 443), "org layer acme scopes[0] deny[0] *.pastebin.com");
  }

  @Test
  void aTeamDenyOutranksTheOrgsAllowAndAnAgentGetsWhatItsLayersGrant() throws Exception {
    LayeredPolicy p = policy("unknown: ask", DATA_BOT, ORG, TEAM);
    denies(p, tunnel("artifacts.acme.example", 443),
        "team layer data scopes[0] deny[0] artifacts.acme.example");
    allows(p, tunnel("pypi.org", 443), "team layer data scopes[0] allow[0] pypi.org");
    // org allow for a port the team did not deny
    assertInstanceOf(Decision.Unknown.class, p.decide(tunnel("artifacts.acme.example", 8443)));
  }

  @Test
  void equalSpecificityDenyBeatsAllowAndAgentSegmentsOutrankTeamOnes() throws Exception {
    LayeredPolicy p = policy("unknown: ask", DATA_BOT, TEAM);
    // scopes[1] (org+team+agent prefix) and scopes[2] (team+agent literal): the literal agent wins
    denies(p, tunnel("s3.amazonaws.com", 443), "team layer data scopes[2] deny[0] s3.amazonaws.com");
    AgentScope other = new AgentScope("data-etl", Optional.of("acme"), Optional.of("data"));
    allows(policy("unknown: ask", other, TEAM), tunnel("s3.amazonaws.com", 443),
        "team layer data scopes[1] allow[0] s3.amazonaws.com");
    String tie = """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: team
        scopes:
          - match: "team:data"
            allow: [{host: tie.example}]
          - match: "team:data"
            deny: [{host: tie.example}]
        """;
    denies(policy("unknown: ask", DATA_BOT, tie), tunnel("tie.example", 443),
        "team layer 0 scopes[1] deny[0] tie.example");
  }

  @Test
  void theAgentMayDenyWhatItsOrgAllows() throws Exception {
    LayeredPolicy p = policy("deny: [{host: artifacts.acme.example}]", DATA_BOT, ORG);
    denies(p, tunnel("artifacts.acme.example", 443), "network.deny[0] artifacts.acme.example");
    assertEquals(List.of("org layer acme scopes[0] allow[0] artifacts.acme.example"),
        p.explain(tunnel("artifacts.acme.example", 443)).shadowed());
  }

  @Test
  void scopesOfOtherAgentsDoNotApply() throws Exception {
    AgentScope unlabelled = new AgentScope("solo", Optional.empty(), Optional.empty());
    LayeredPolicy p = policy("allow: [{host: pastebin.com}, {host: api.github.com}]", unlabelled,
        ORG, TEAM);
    allows(p, tunnel("pastebin.com", 443), "network.allow[0] pastebin.com");
    allows(p, tunnel("api.github.com", 443), "network.allow[1] api.github.com");
  }

  @Test
  void aLayerCanForbidAskingButNotAllowIt() throws Exception {
    String strict = """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: org
        name: strict
        scopes:
          - {match: "org:acme", unknown: deny}
        """;
    LayeredPolicy p = policy("unknown: ask", DATA_BOT, strict);
    assertFalse(p.asks());
    Decision.Unknown u = assertInstanceOf(Decision.Unknown.class, p.decide(tunnel("new.example", 443)));
    assertEquals("org layer strict scopes[0] unknown: deny", u.rule());
    String lax = strict.replace("unknown: deny", "unknown: ask").replace("strict", "lax");
    assertFalse(policy("unknown: deny", DATA_BOT, lax).asks());
    assertTrue(policy("unknown: ask", DATA_BOT, lax).asks());
  }

  @Test
  void theStoredRevisionsAreTheAgentsAndNameTheirRevision() throws Exception {
    Path layerDir = Files.createDirectories(dir.resolve("policy.d"));
    Files.writeString(layerDir.resolve("org.yaml"), ORG);
    PolicyStore store = new PolicyStore(dir.resolve("store"));
    store.append(List.of(dev.nemoclaw.approval.ApprovalRequest.alwaysRule("pastebin.com", 443),
        dev.nemoclaw.approval.ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice",
        "cli", "t");
    LayeredPolicy p = LayeredPolicy.compile(PolicyFixture.network(dir, "unknown: ask"),
        store.current(), PolicyLayers.load(layerDir), DATA_BOT);
    LayeredPolicy.Explanation x = p.explain(tunnel("pypi.org", 443));
    assertEquals("agent", x.layer());
    assertEquals(1, x.revision().orElseThrow());
    // an approval cannot reopen what the org forbids
    denies(p, tunnel("pastebin.com", 443), "org layer acme scopes[0] deny[1] pastebin.com");
  }

  @Test
  void networkModeNoneRefusesWhatALayerAllows() throws Exception {
    LayeredPolicy p = policy("mode: none", DATA_BOT, ORG);
    assertInstanceOf(Decision.Deny.class, p.decide(tunnel("artifacts.acme.example", 443)));
  }

  @Test
  void layerFilesAreCheckedStrictlyWithLinesAndFields() throws Exception {
    Path layerDir = Files.createDirectories(dir.resolve("bad.d"));
    Files.writeString(layerDir.resolve("a.yaml"), """
        apiVersion: nemoclaw.dev/v1
        kind: PolicyLayer
        layer: galaxy
        scopes:
          - match: "org:acme/tool:exec"
            allow: [{host: x.example, prots: [443]}]
          - match: "team:data"
        """);
    Files.writeString(layerDir.resolve("notes.txt"), "ignored");
    SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
        () -> PolicyLayers.load(layerDir));
    String all = e.errors().toString();
    assertTrue(all.contains("layer") && all.contains("galaxy"), all);
    assertTrue(all.contains("names a server or tool"), all);
    assertTrue(all.contains("prots"), all);
    assertTrue(all.contains("does nothing"), all);
    assertTrue(e.errors().stream().allMatch(x -> x.line() > 0), all);
  }

  @Test
  void aMissingDirectoryHasNoLayers() throws IOException, SpecException {
    assertEquals(List.of(), PolicyLayers.load(dir.resolve("absent")));
  }
}
