package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.ToolMatch;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scope patterns: globs per segment, missing labels, and a specificity order with no surprises. */
class AgentScopeTest {
  static ToolMatch m(String org, String team, String agent) {
    return new ToolMatch("t", Optional.ofNullable(org), Optional.ofNullable(team),
        Optional.ofNullable(agent), Optional.empty(), Optional.empty());
  }

  static final AgentScope BOT = new AgentScope("data-bot", Optional.of("acme"), Optional.of("data"));
  static final AgentScope BARE = new AgentScope("solo", Optional.empty(), Optional.empty());

  @Test
  void segmentsMatchLiterallyByPrefixOrAnything() {
    assertTrue(BOT.matches(m(null, null, null)));
    assertTrue(BOT.matches(m("acme", "data", "data-bot")));
    assertTrue(BOT.matches(m("ac*", "*", "data-*")));
    assertTrue(BOT.matches(m("*", null, "data-bot*"))); // a prefix may be the whole value
    assertFalse(BOT.matches(m("acme", "data", "data-bo")));
    assertFalse(BOT.matches(m("acm", null, null)));
    assertFalse(BOT.matches(m(null, "dat", null)));
    assertFalse(BOT.matches(m(null, null, "bot*")));
    // a missing label is matched only by * or by leaving the segment out
    assertTrue(BARE.matches(m("*", "*", "solo")));
    assertFalse(BARE.matches(m("acme", null, null)));
    assertFalse(BARE.matches(m("a*", null, null)));
  }

  @Test
  void specificityOrdersAgentThenTeamThenOrgAndLiteralOverPrefixOverAny() {
    List<ToolMatch> ascending = List.of(m(null, null, null), m("a*", null, null),
        m("acme", null, null), m(null, "d*", null), m("acme", "d*", null), m(null, "data", null),
        m("acme", "data", null), m(null, null, "data-*"), m("acme", "data", "data-*"),
        m(null, null, "data-bot"), m("acme", "data", "data-bot"));
    for (int i = 1; i < ascending.size(); i++) {
      assertTrue(AgentScope.specificity(ascending.get(i - 1)) < AgentScope.specificity(ascending.get(i)),
          ascending.get(i - 1) + " < " + ascending.get(i));
    }
    assertTrue(AgentScope.specificity(m("*", "*", "*")) == AgentScope.specificity(m(null, null, null)));
  }

  /** Property: a more specific pattern that matches never matches a superset the less specific misses. */
  @Test
  void aLiteralSegmentMatchesOnlyWhatItsPrefixAndStarMatch() {
    Random r = new Random(42);
    String[] values = {"acme", "acmex", "ac", "data", "d", "data-bot", "x"};
    for (int i = 0; i < 2000; i++) {
      String v = values[r.nextInt(values.length)];
      AgentScope who = new AgentScope(v, Optional.of(values[r.nextInt(values.length)]),
          Optional.of(values[r.nextInt(values.length)]));
      String lit = values[r.nextInt(values.length)];
      if (who.matches(m(null, null, lit))) {
        assertTrue(who.matches(m(null, null, lit.substring(0, Math.max(1, lit.length() - 1)) + "*")));
        assertTrue(who.matches(m(null, null, "*")));
      }
    }
  }
}
