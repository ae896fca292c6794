package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.RiskLevel;
import dev.nemoclaw.spec.ToolAction;
import dev.nemoclaw.spec.ToolRisk;
import dev.nemoclaw.spec.ToolRule;
import dev.nemoclaw.spec.Values;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Decision tables of the tools rules: most specific scope, then the first rule; risk. */
class ToolPolicyTest {
  static final AgentScope AGENT = new AgentScope("bot", Optional.of("acme"), Optional.of("data"));

  static ToolRule rule(String match, ToolAction a) {
    return new ToolRule(Values.parseToolMatch(match), a, a == ToolAction.RATE_LIMIT
        ? Optional.of(new RateLimit(2, Duration.ofMinutes(1))) : Optional.empty());
  }

  static ToolRule rule(String match, ToolAction a, RiskLevel risk) {
    return new ToolRule(Values.parseToolMatch(match), a, Optional.empty(), Optional.of(risk));
  }

  static ToolPolicy policy(ToolRule... rules) {
    return ToolPolicy.compile(List.of(rules), List.of(), AGENT);
  }

  @Test
  void withoutAToolsSectionEveryCallIsAllowed() {
    ToolDecision d = ToolPolicy.compile(List.of(), List.of(), AGENT).decide("any", "exec");
    assertEquals(ToolAction.ALLOW, d.action());
    assertEquals("default (no tools section)", d.rule());
    assertEquals(RiskLevel.HIGH, d.risk());
    assertFalse(ToolPolicy.none().governed());
  }

  @Test
  void aToolsSectionBlocksWhatItDoesNotCover() {
    ToolDecision d = policy(rule("server:jira/tool:read_*", ToolAction.ALLOW))
        .decide("jira", "delete_issue");
    assertEquals(ToolAction.BLOCK, d.action());
    assertEquals("tools (no rule matched)", d.rule());
    assertTrue(d.reason().contains("No rule in tools covers jira/delete_issue"), d.reason());
  }

  @Test
  void theContractExample() {
    ToolPolicy p = policy(rule("tool:exec", ToolAction.REQUIRE_APPROVAL),
        rule("server:jira/tool:read_*", ToolAction.ALLOW),
        rule("server:*/tool:*", ToolAction.BLOCK));
    assertEquals(ToolAction.REQUIRE_APPROVAL, p.decide("openclaw", "exec").action());
    assertEquals("tools[0] tool:exec", p.decide("openclaw", "exec").rule());
    assertEquals(ToolAction.ALLOW, p.decide("jira", "read_issue").action());
    assertEquals("tools[1] server:jira/tool:read_*", p.decide("jira", "read_issue").rule());
    assertEquals(ToolAction.BLOCK, p.decide("jira", "write_issue").action());
    assertEquals(ToolAction.BLOCK, p.decide("github", "read_file").action());
  }

  @Test
  void theMostSpecificScopeWinsWhateverTheOrder() {
    ToolPolicy p = policy(rule("tool:*", ToolAction.BLOCK),
        rule("server:jira", ToolAction.PII_SCAN),
        rule("server:jira/tool:read_*", ToolAction.REDACT_OUTPUT),
        rule("server:jira/tool:read_issue", ToolAction.ALLOW));
    assertEquals(ToolAction.ALLOW, p.decide("jira", "read_issue").action());
    assertEquals(ToolAction.REDACT_OUTPUT, p.decide("jira", "read_comment").action());
    assertEquals(ToolAction.PII_SCAN, p.decide("jira", "create").action());
    assertEquals(ToolAction.BLOCK, p.decide("github", "create").action());
  }

  @Test
  void theToolCountsMoreThanTheAgentAndTheAgentMoreThanNothing() {
    ToolPolicy p = policy(rule("agent:bot", ToolAction.BLOCK),
        rule("tool:search", ToolAction.ALLOW),
        rule("org:acme/team:data/agent:bot/server:web", ToolAction.RATE_LIMIT));
    assertEquals(ToolAction.ALLOW, p.decide("web", "search").action());
    assertEquals(ToolAction.RATE_LIMIT, p.decide("web", "fetch").action());
    assertEquals(ToolAction.BLOCK, p.decide("local", "fetch").action());
    assertTrue(ToolPolicy.specificity(Values.parseToolMatch("tool:x"))
        > ToolPolicy.specificity(Values.parseToolMatch("org:a/team:b/agent:c/server:d")));
  }

  @Test
  void amongEquallySpecificRulesTheFirstWins() {
    ToolPolicy p = policy(rule("tool:read_*", ToolAction.PII_SCAN),
        rule("tool:read_*", ToolAction.BLOCK));
    assertEquals(ToolAction.PII_SCAN, p.decide("x", "read_file").action());
    assertEquals("tools[0] tool:read_*", p.decide("x", "read_file").rule());
  }

  @Test
  void rulesForOtherAgentsTeamsAndOrgsNeverApply() {
    ToolPolicy p = policy(rule("agent:other/tool:exec", ToolAction.ALLOW),
        rule("org:globex/tool:exec", ToolAction.ALLOW),
        rule("team:data*/tool:exec", ToolAction.REQUIRE_APPROVAL),
        rule("tool:*", ToolAction.BLOCK));
    assertEquals(ToolAction.REQUIRE_APPROVAL, p.decide("local", "exec").action());
    assertEquals("tools[2] team:data*/tool:exec", p.decide("local", "exec").rule());
  }

  @Test
  void riskIsAConditionOfTheRule() {
    ToolPolicy p = policy(rule("tool:*", ToolAction.REQUIRE_APPROVAL, RiskLevel.HIGH),
        rule("tool:*", ToolAction.PII_SCAN, RiskLevel.MEDIUM),
        rule("tool:*", ToolAction.ALLOW));
    assertEquals(ToolAction.REQUIRE_APPROVAL, p.decide("local", "exec").action());
    assertEquals("tools[0] tool:* risk:high", p.decide("local", "bash").rule());
    assertEquals(ToolAction.PII_SCAN, p.decide("local", "write").action());
    assertEquals(ToolAction.PII_SCAN, p.decide("local", "frobnicate").action());
    assertEquals(ToolAction.ALLOW, p.decide("local", "read_file").action());
  }

  @Test
  void theBuiltInRiskTable() {
    for (String t : List.of("exec", "shell", "bash", "process", "run_tests", "RUN")) {
      assertEquals(RiskLevel.HIGH, ToolRisks.builtin(t), t);
    }
    for (String t : List.of("write", "edit", "apply_patch", "delete_file", "browser", "fetch",
        "web_search", "whatever")) {
      assertEquals(RiskLevel.MEDIUM, ToolRisks.builtin(t), t);
    }
    for (String t : List.of("read", "read_file", "list_dir", "search", "get_issue")) {
      assertEquals(RiskLevel.LOW, ToolRisks.builtin(t), t);
    }
  }

  @Test
  void toolRiskOverridesTheTableFirstMatchWins() {
    ToolPolicy p = ToolPolicy.compile(List.of(rule("tool:*", ToolAction.BLOCK, RiskLevel.HIGH),
        rule("tool:*", ToolAction.ALLOW)), List.of(
        new ToolRisk(Values.parseToolMatch("server:k8s/tool:get_*"), RiskLevel.HIGH),
        new ToolRisk(Values.parseToolMatch("tool:deploy*"), RiskLevel.HIGH),
        new ToolRisk(Values.parseToolMatch("tool:*"), RiskLevel.LOW)), AGENT);
    assertEquals(RiskLevel.HIGH, p.risk("k8s", "get_secret"));
    assertEquals(ToolAction.BLOCK, p.decide("k8s", "get_secret").action());
    assertEquals(ToolAction.BLOCK, p.decide("ci", "deploy_prod").action());
    assertEquals(RiskLevel.LOW, p.risk("local", "exec"), "the override list comes first");
    assertEquals(ToolAction.ALLOW, p.decide("local", "exec").action());
  }

  @Test
  void theRateLimitTravelsWithTheDecision() {
    ToolDecision d = policy(rule("tool:search", ToolAction.RATE_LIMIT)).decide("w", "search");
    assertEquals(Optional.of(new RateLimit(2, Duration.ofMinutes(1))), d.rateLimit());
  }
}
