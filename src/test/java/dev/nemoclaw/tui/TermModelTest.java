package dev.nemoclaw.tui;

import static dev.nemoclaw.tui.Events.JSON;
import static dev.nemoclaw.tui.Events.T0;
import static dev.nemoclaw.tui.Events.approval;
import static dev.nemoclaw.tui.Events.decided;
import static dev.nemoclaw.tui.Events.down;
import static dev.nemoclaw.tui.Events.egress;
import static dev.nemoclaw.tui.Events.expired;
import static dev.nemoclaw.tui.Events.newApproval;
import static dev.nemoclaw.tui.Events.stats;
import static dev.nemoclaw.tui.Events.up;
import static dev.nemoclaw.tui.Events.updated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget.ControlError;
import dev.nemoclaw.tui.TermModel.Approval;
import dev.nemoclaw.tui.TermModel.DecisionRequest;
import dev.nemoclaw.tui.TermModel.Mode;
import dev.nemoclaw.tui.TermModel.Pane;
import dev.nemoclaw.tui.TermModel.View;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TermModelTest {
  final TermModel m = new TermModel(Clock.fixed(T0, ZoneOffset.UTC));

  private List<String> ids() {
    return m.view().approvals().stream().map(Approval::id).toList();
  }

  private Optional<String> selected() {
    return m.view().selectedApproval();
  }

  /** What a frame does: the UI drew this view, so its selection may be decided. */
  private void frame() {
    m.rendered(m.view());
  }

  @Test
  void sandboxUpShowsItsStatusAndPendingItems() {
    m.apply(up("hello", approval("hello", "a1", "one.example", 1)));
    View v = m.view();
    assertEquals(1, v.sandboxes().size());
    var s = v.sandboxes().getFirst();
    assertEquals("hello", s.name());
    assertEquals(65_000, s.uptimeMs());
    assertEquals(52_428_800, s.memoryBytes());
    assertEquals(3, s.pids());
    assertEquals(1, s.pending());
    assertEquals(List.of("a1"), ids());
    assertEquals(1, m.takeBells(), "pending items found at start ring too");
  }

  @Test
  void aHeldToolCallShowsTheToolAndItsMaskedArgumentsNotPolicyLocal() {
    var a = approval("hello", "t1", "policy.local", 1);
    a.put("kind", "tool").put("port", 80).put("path", "/v1/tools/openclaw/exec")
        .put("detail", "tool openclaw/exec {\"cmd\":\"ls\"} (call c1)");
    m.apply(up("hello", a));
    var item = m.view().approvals().getFirst();
    assertEquals("tool", item.kind());
    assertEquals("tool openclaw/exec {\"cmd\":\"ls\"} (call c1)", item.target());
  }

  @Test
  void inboxIsNewestFirstAcrossSandboxes() {
    m.apply(up("a"));
    m.apply(up("b"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    m.apply(newApproval(approval("b", "y1", "two.example", 3)));
    m.apply(newApproval(approval("a", "x2", "three.example", 2)));
    assertEquals(List.of("y1", "x2", "x1"), ids());
    assertEquals(3, m.takeBells());
    assertEquals(0, m.takeBells());
  }

  @Test
  void updatesCoalesceIntoTheSameItemInPlace() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    m.apply(newApproval(approval("a", "x2", "two.example", 2)));
    m.takeBells();
    ObjectNode more = approval("a", "x1", "one.example", 1).put("hits", 7);
    m.apply(updated(more));
    m.apply(updated(more.deepCopy().put("hits", 9)));
    assertEquals(List.of("x2", "x1"), ids(), "no duplicate, no reordering");
    assertEquals(9, m.view().approvals().get(1).hits());
    assertEquals(0, m.takeBells(), "more hits on a known item do not ring");
  }

  @Test
  void selectionStaysOnTheSameItemWhenNewerOnesArrive() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    assertEquals(Optional.of("a/x1"), selected(), "the first item is selected");
    m.apply(newApproval(approval("a", "x2", "two.example", 2)));
    m.apply(newApproval(approval("a", "x3", "three.example", 3)));
    assertEquals(List.of("x3", "x2", "x1"), ids());
    assertEquals(Optional.of("a/x1"), selected(), "arrivals above do not move it");
    m.move(-1);
    assertEquals(Optional.of("a/x2"), selected());
    m.apply(newApproval(approval("a", "x4", "four.example", 4)));
    assertEquals(Optional.of("a/x2"), selected());
  }

  @Test
  void whenTheSelectedItemVanishesTheNeighbourIsSelectedAndTheNextDecisionKeyIsRefusedOnce() {
    m.apply(up("a"));
    for (int i = 1; i <= 3; i++) {
      m.apply(newApproval(approval("a", "x" + i, "h" + i + ".example", i)));
    }
    m.move(-1); // x1 -> x2 (list: x3 x2 x1)
    assertEquals(Optional.of("a/x2"), selected());
    frame();
    m.apply(decided("a", "x2", "session", "bob", "cli"));
    assertEquals(List.of("x3", "x1"), ids());
    assertEquals(Optional.of("a/x1"), selected(), "the next one down takes its place");
    frame();
    assertTrue(m.requestDecision("once").isEmpty(), "a reflex press must not decide x1");
    assertTrue(m.view().notice().orElseThrow().text().contains("press again"));
    frame();
    DecisionRequest r = m.requestDecision("once").orElseThrow();
    assertEquals("x1", r.approval());
  }

  @Test
  void lastItemVanishingSelectsTheOneAbove() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    m.apply(newApproval(approval("a", "x2", "two.example", 2)));
    assertEquals(Optional.of("a/x1"), selected());
    m.apply(expired("a", "x1"));
    assertEquals(Optional.of("a/x2"), selected());
    m.apply(expired("a", "x2"));
    assertEquals(Optional.empty(), selected());
    assertTrue(m.view().log().getFirst().text().contains("expired"));
  }

  @Test
  void decisionKeysActOnlyOnWhatTheLastFrameShowed() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    // x1 arrived and was auto-selected, but no frame has shown it yet
    assertTrue(m.requestDecision("once").isEmpty());
    frame();
    assertEquals("x1", m.requestDecision("once").orElseThrow().approval());
  }

  @Test
  void decidedAndExpiredItemsLeaveTheInboxAndTheLogSaysWhy() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    m.apply(newApproval(approval("a", "x2", "two.example", 2)));
    m.apply(decided("a", "x1", "always", "alice", "tui"));
    m.apply(expired("a", "x2"));
    assertEquals(List.of(), ids());
    assertEquals(0, m.view().sandboxes().getFirst().pending());
    List<String> log = m.view().log().stream().map(TermModel.LogLine::text).toList();
    assertTrue(log.contains("a: one.example:443 → always by alice via tui"), log::toString);
    assertTrue(log.contains("a: two.example:443 expired undecided → denied"), log::toString);
  }

  @Test
  void sandboxDownClearsItsItemsOnly() {
    m.apply(up("a", approval("a", "x1", "one.example", 1)));
    m.apply(up("b", approval("b", "y1", "two.example", 2)));
    m.apply(egress("a", "deny", "pastebin.com", 80));
    m.apply(down("a"));
    assertEquals(List.of("b"), m.view().sandboxes().stream().map(TermModel.Sandbox::name).toList());
    assertEquals(List.of("y1"), ids());
    assertEquals(1, m.view().network().size(), "the feed is history: it keeps what happened");
  }

  @Test
  void sandboxUpAgainReplacesItsPendingList() {
    m.apply(up("a", approval("a", "x1", "one.example", 1), approval("a", "x2", "two.example", 2)));
    m.apply(up("a", approval("a", "x2", "two.example", 2)));
    assertEquals(List.of("x2"), ids());
  }

  @Test
  void networkFeedIsNewestFirstBoundedAndIgnoresExchangeEnds() {
    m.apply(up("a"));
    for (int i = 0; i < TermModel.FEED_LIMIT + 20; i++) {
      m.apply(egress("a", i % 2 == 0 ? "allow" : "deny", "h" + i + ".example", 443));
    }
    m.apply(egress("a", "allow", "end.example", 443).put("kind", "end"));
    var feed = m.view().network();
    assertEquals(TermModel.FEED_LIMIT, feed.size());
    assertEquals("h" + (TermModel.FEED_LIMIT + 19) + ".example", feed.getFirst().host());
    assertFalse(feed.getFirst().allowed());
    assertEquals(Optional.of("/usr/bin/curl"), feed.getFirst().binary());
    assertEquals(Optional.of("network.deny[0]"), feed.getFirst().rule());
    assertEquals(Optional.of("GET"), feed.getFirst().method());
  }

  @Test
  void statsUpdateUsageAndCpuPercent() {
    m.apply(up("a"));
    m.apply(stats("a", 66_000, 2.0, 1 << 30));
    var s = m.view().sandboxes().getFirst();
    assertEquals(1 << 30, s.memoryBytes());
    assertEquals(50.0, s.cpuPercent().orElseThrow(), 0.01, "0.5 s of CPU in 1 s");
    m.apply(JSON.createObjectNode().put("event", "exit").put("sandbox", "a").put("code", 3));
    assertEquals(3, m.view().sandboxes().getFirst().exitCode().orElseThrow());
  }

  @Test
  void statsCarryTheModelRoutesHealth() throws Exception {
    m.apply(up("a"));
    assertEquals("-", m.view().sandboxes().getFirst().models(), "no routes yet");
    ObjectNode st = stats("a", 1000, 0.1, 1 << 20);
    st.set("inference", JSON.readTree("{\"promptTokens\":10,\"completionTokens\":5,\"usd\":0.5,"
        + "\"routes\":[{\"name\":\"main\",\"state\":\"open\"},{\"name\":\"backup\",\"state\":\"closed\"}]}"));
    m.apply(st);
    assertEquals("main open, backup ok · 15 tok $0.5", m.view().sandboxes().getFirst().models());
  }

  @Test
  void alreadyDecidedIsShownWithWhoAndRemoved() {
    m.apply(up("a", approval("a", "x1", "one.example", 1)));
    frame();
    DecisionRequest r = m.requestDecision("once").orElseThrow();
    assertEquals(Optional.of("once"), m.view().approvals().getFirst().deciding());
    assertTrue(m.requestDecision("deny").isEmpty(), "no second decision while one is in flight");
    ObjectNode d = JSON.createObjectNode().put("by", "bob").put("channel", "cli")
        .put("verdict", "session");
    m.failed(r, new ControlError("already_decided", "already decided", d));
    var n = m.view().notice().orElseThrow();
    assertTrue(n.error());
    assertEquals("one.example:443 was already decided by bob via cli (session)", n.text());
    assertEquals(List.of(), ids());
  }

  @Test
  void aRefusedDecisionKeepsTheItemForAnotherTry() {
    m.apply(up("a", approval("a", "x1", "one.example", 1)));
    frame();
    DecisionRequest r = m.requestDecision("always").orElseThrow();
    m.failed(r, new ControlError("bulk_refused", "decide SSRF-class items one by one", null));
    assertEquals(List.of("x1"), ids());
    assertEquals(Optional.empty(), m.view().approvals().getFirst().deciding());
    assertTrue(m.view().notice().orElseThrow().text().contains("bulk_refused"));
    frame();
    assertTrue(m.requestDecision("once").isPresent());
  }

  @Test
  void aSuccessfulAlwaysRecordsTheRuleAndTheEventDoesNotAlarm() {
    m.apply(up("a", approval("a", "x1", "one.example", 1), approval("a", "x2", "two.example", 2)));
    m.move(1);
    m.focus(Pane.APPROVALS);
    m.enter();
    assertEquals(Mode.DETAIL, m.view().mode());
    frame();
    DecisionRequest r = m.requestDecision("always").orElseThrow();
    assertEquals("x1", r.approval());
    // the server's event usually overtakes the decide answer
    m.apply(decided("a", "x1", "always", "me", "tui"));
    m.decided(r, JSON.createObjectNode().put("approval", "x1").put("verdict", "always")
        .put("by", "me").put("channel", "tui"));
    assertEquals(Mode.DASHBOARD, m.view().mode());
    assertEquals("✓ a: one.example:443 → always (by me via tui)",
        m.view().notice().orElseThrow().text());
    assertEquals(List.of("a: allow {host: one.example, ports: [443]}"), m.view().rulesAdded());
    frame();
    assertEquals("x2", m.requestDecision("deny").orElseThrow().approval(),
        "deciding it ourselves is no surprise: no extra press");
  }

  @Test
  void freshStaysUntilTheOperatorLooksAtIt() {
    m.apply(up("a"));
    m.apply(newApproval(approval("a", "x1", "one.example", 1)));
    m.apply(newApproval(approval("a", "x2", "two.example", 2)));
    assertTrue(m.view().approvals().stream().allMatch(Approval::fresh));
    m.move(-1);
    assertFalse(m.view().approval().orElseThrow().fresh());
    assertTrue(m.view().approvals().get(1).fresh());
  }

  @Test
  void keepPrefersTheNextSurvivorThenThePrevious() {
    assertEquals(Optional.of("c"),
        TermModel.keep(Optional.of("b"), List.of("a", "b", "c"), List.of("a", "c")));
    assertEquals(Optional.of("b"),
        TermModel.keep(Optional.of("c"), List.of("a", "b", "c"), List.of("a", "b")));
    assertEquals(Optional.of("z"),
        TermModel.keep(Optional.of("c"), List.of("c"), List.of("z")));
    assertEquals(Optional.empty(), TermModel.keep(Optional.of("c"), List.of("c"), List.of()));
  }

  @Test
  void anApprovalEventWithoutTheFeedsSandboxFieldUsesTheApprovalsOwn() {
    m.apply(up("a"));
    ObjectNode e = newApproval(approval("a", "x1", "one.example", 1));
    e.remove("sandbox");
    m.apply(e);
    assertEquals(Optional.of("a/x1"), selected());
  }

  @Test
  void malformedEventsAreIgnored() {
    m.apply(JSON.createObjectNode().put("event", "approval.new").put("sandbox", "a"));
    m.apply(JSON.createObjectNode().put("event", "nonsense"));
    m.apply(JSON.createObjectNode());
    m.apply(up(""));
    assertEquals(0, m.view().sandboxes().size());
    assertEquals(0, m.view().pending());
  }

  @Test
  void enterOnASandboxJumpsToItsNewestItem() {
    m.apply(up("a", approval("a", "x1", "one.example", 1)));
    m.apply(up("b", approval("b", "y1", "two.example", 5)));
    m.focus(Pane.SANDBOXES);
    m.move(1);
    assertEquals(Optional.of("b"), m.view().selectedSandbox());
    assertEquals(Optional.of("a/x1"), selected());
    m.enter();
    assertEquals(Pane.APPROVALS, m.view().focus());
    assertEquals(Optional.of("b/y1"), selected());
  }
}
