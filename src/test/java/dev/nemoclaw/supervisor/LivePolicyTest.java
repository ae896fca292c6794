package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.spec.Defaults;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.UnknownAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running sandbox's policy takes up revisions stored by others once each, and edits of its
 * files whole; it keeps the policy in force when an edit is broken, and can lock down.
 */
class LivePolicyTest {
  static final EgressRequest PYPI = EgressRequest.tunnel("pypi.org", 443, Optional.empty());
  @TempDir Path dir;

  LivePolicy live(PolicyStore store, TestSource source) throws Exception {
    return new LivePolicy(source, store);
  }

  TestSource source() throws Exception {
    Path f = Files.writeString(dir.resolve("agent.yaml"), "v1");
    return new TestSource(f, network(List.of()));
  }

  @Test
  void revisionsStoredElsewhereApplyOnRefreshAndAreHeardOnceInOrder() throws Exception {
    PolicyStore store = new PolicyStore(dir.resolve("store"));
    LivePolicy policy = live(store, source());
    List<Integer> heard = new ArrayList<>();
    policy.onRevision(r -> heard.add(r.number()));
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
    assertEquals(List.of(), policy.refresh());

    // another process: an approval, then a rollback of it
    PolicyStore other = new PolicyStore(dir.resolve("store"));
    other.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice", "cli", "a");
    other.append(List.of(ApprovalRequest.alwaysRule("example.com", 443)), List.of(), "alice", "cli", "b");
    assertEquals(List.of("policy revision 2 is in force"), policy.refresh());
    assertEquals(2, policy.revision());
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    Revision back = other.rollback(0, "bob", "cli");
    assertEquals(1, policy.refresh().size());
    assertEquals(List.of(), policy.refresh());
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
    assertEquals(List.of(1, 2, back.number()), heard);
  }

  @Test
  void anEditedFileIsTakenUpWholeAndStaticChangesAreSaid() throws Exception {
    TestSource source = source();
    LivePolicy policy = live(new PolicyStore(dir.resolve("store")), source);
    List<LivePolicy.Edit> edits = new ArrayList<>();
    policy.onEdit(edits::add);
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
    assertFalse(policy.privacy().covers(dev.nemoclaw.spec.PrivacyScope.INFERENCE));
    dev.nemoclaw.spec.Privacy masking = new dev.nemoclaw.spec.Privacy(
        List.of(new dev.nemoclaw.spec.Detector.Builtin(dev.nemoclaw.spec.BuiltinDetector.EMAIL)),
        dev.nemoclaw.spec.PrivacyAction.MASK, List.of(dev.nemoclaw.spec.PrivacyScope.INFERENCE));
    source.set(new PolicySource.Live(network(List.of(ApprovalRequest.alwaysRule("pypi.org", 443))),
        masking, List.of(), List.of("resources")));
    assertEquals(List.of(), policy.refresh(), "nothing was touched yet");
    touch(dir.resolve("agent.yaml"), "v2");
    List<String> said = policy.refresh();
    assertTrue(said.get(0).startsWith("policy reloaded from agent.yaml: 1 network rules"), said.toString());
    assertTrue(said.get(1).contains("resources changed but cannot change while the sandbox runs"),
        said.toString());
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    // privacy is live too: the proxy and inference.local hold this same guard
    assertTrue(policy.privacy().covers(dev.nemoclaw.spec.PrivacyScope.INFERENCE));
    assertInstanceOf(dev.nemoclaw.privacy.Verdict.Masked.class, policy.privacy()
        .check(dev.nemoclaw.spec.PrivacyScope.INFERENCE, "mail me at a.b@example.com"));
    // the edit is handed on for the audit log, with the content hash of what is in force
    assertEquals(1, edits.size());
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest
        .getInstance("SHA-256").digest("v2".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(List.of(dir.resolve("agent.yaml") + " sha256:" + sha), edits.get(0).files());
    assertEquals(System.getProperty("user.name"), edits.get(0).owner());
  }

  @Test
  void aBrokenEditKeepsThePolicyInForceAndIsNotReadAgainUntilItChanges() throws Exception {
    TestSource source = new TestSource(Files.writeString(dir.resolve("agent.yaml"), "v1"),
        network(List.of(ApprovalRequest.alwaysRule("pypi.org", 443))));
    LivePolicy policy = live(new PolicyStore(dir.resolve("store")), source);
    source.invalid("agent.yaml:3:5: network.allow[0].host: required");
    touch(dir.resolve("agent.yaml"), "v2 broken");
    PolicySource.Invalid e = assertThrows(PolicySource.Invalid.class, policy::refresh);
    assertTrue(e.getMessage().contains("required"));
    assertEquals(List.of(), policy.refresh(), "the same broken file is not read again");
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    source.set(new PolicySource.Live(network(List.of()), Defaults.PRIVACY_OFF, List.of(), List.of()));
    touch(dir.resolve("agent.yaml"), "v3 fixed");
    assertEquals(1, policy.refresh().size());
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
  }

  /** Hot reload under traffic: every decision is one generation's, never a mix of two. */
  @Test
  void deciderThreadsSeeOneGenerationAtATime() throws Exception {
    TestSource source = source();
    LivePolicy policy = live(new PolicyStore(dir.resolve("store")), source);
    // generation A allows a.example and b.example; B allows neither; no generation allows one only
    PolicySource.Live a = new PolicySource.Live(network(List.of(
        ApprovalRequest.alwaysRule("a.example", 443), ApprovalRequest.alwaysRule("b.example", 443))),
        Defaults.PRIVACY_OFF, List.of(), List.of());
    PolicySource.Live b = new PolicySource.Live(network(List.of()), Defaults.PRIVACY_OFF, List.of(), List.of());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger decisions = new AtomicInteger();
    List<Thread> deciders = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < 4; t++) {
      deciders.add(Thread.ofPlatform().start(() -> {
        EgressRequest ra = EgressRequest.tunnel("a.example", 443, Optional.empty());
        while (!stop.get()) {
          boolean allowsA = policy.decide(ra) instanceof Decision.Allow;
          decisions.incrementAndGet();
          if (allowsA && policy.revision() < 0) {
            failures.add(new AssertionError("impossible"));
          }
        }
      }));
    }
    for (int i = 0; i < 200; i++) {
      source.set(i % 2 == 0 ? a : b);
      touch(dir.resolve("agent.yaml"), "v" + i);
      policy.refresh();
    }
    stop.set(true);
    for (Thread t : deciders) {
      t.join();
    }
    assertEquals(List.of(), failures);
    assertTrue(decisions.get() > 200, "deciders ran: " + decisions.get());
    // the last generation (i = 199, odd) is B: nothing allowed
    assertInstanceOf(Decision.Unknown.class, policy.decide(EgressRequest.tunnel("b.example", 443, Optional.empty())));
  }

  @Test
  void afterFailClosedEveryRequestIsDeniedSayingWhy() throws Exception {
    PolicyStore store = new PolicyStore(dir.resolve("store"));
    store.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice", "cli", "a");
    LivePolicy policy = live(store, source());
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    assertTrue(policy.lockdown().isEmpty());
    policy.failClosed("the audit log stopped taking events: disk full");
    Decision.Deny d = assertInstanceOf(Decision.Deny.class, policy.decide(PYPI));
    assertTrue(d.reason().contains("disk full"), d.reason());
    assertEquals(d, policy.lockdown().orElseThrow());
  }

  private static void touch(Path f, String content) throws Exception {
    Files.writeString(f, content);
    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(
        System.currentTimeMillis() + content.hashCode()));
  }

  private static Network network(List<dev.nemoclaw.spec.AllowRule> allow) {
    return new Network(NetworkMode.PROXY, List.of(), allow, List.of(), UnknownAction.DENY,
        Duration.ofSeconds(60));
  }

  @Test
  void toolRulesAreLiveAndRebuiltWithTheRest() throws Exception {
    TestSource source = source();
    LivePolicy policy = live(new PolicyStore(dir.resolve("store")), source);
    assertEquals(dev.nemoclaw.spec.ToolAction.ALLOW, policy.tools().decide("s", "exec").action());
    var block = new dev.nemoclaw.spec.ToolRule(dev.nemoclaw.spec.Values.parseToolMatch(
        "tool:*"), dev.nemoclaw.spec.ToolAction.BLOCK, java.util.Optional.empty(),
        java.util.Optional.of(dev.nemoclaw.spec.RiskLevel.HIGH));
    var allow = new dev.nemoclaw.spec.ToolRule(dev.nemoclaw.spec.Values.parseToolMatch(
        "tool:*"), dev.nemoclaw.spec.ToolAction.ALLOW, java.util.Optional.empty());
    var deployIsHigh = new dev.nemoclaw.spec.ToolRisk(dev.nemoclaw.spec.Values.parseToolMatch(
        "tool:deploy"), dev.nemoclaw.spec.RiskLevel.HIGH);
    source.set(new PolicySource.Live(network(List.of()), dev.nemoclaw.spec.Defaults.PRIVACY_OFF,
        List.of(block, allow), List.of(deployIsHigh), List.of(), List.of()));
    touch(dir.resolve("agent.yaml"), "tools");
    List<String> said = policy.refresh();
    assertTrue(said.get(0).endsWith("and 2 tool rules in force"), said.toString());
    assertEquals(1, said.size(), "tools are live: no static change is said");
    assertEquals(dev.nemoclaw.spec.ToolAction.BLOCK, policy.tools().decide("s", "exec").action());
    assertEquals(dev.nemoclaw.spec.ToolAction.BLOCK, policy.tools().decide("s", "deploy")
        .action());
    assertEquals(dev.nemoclaw.spec.ToolAction.ALLOW, policy.tools().decide("s", "read")
        .action());
  }
}
