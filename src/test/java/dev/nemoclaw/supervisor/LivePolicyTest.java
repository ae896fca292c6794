package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.UnknownAction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running sandbox's policy takes up revisions stored by others, once each, and can lock down. */
class LivePolicyTest {
  static final EgressRequest PYPI = EgressRequest.tunnel("pypi.org", 443, Optional.empty());

  @Test
  void revisionsStoredElsewhereApplyOnRefreshAndAreHeardOnceInOrder(@TempDir Path dir)
      throws Exception {
    PolicyStore store = new PolicyStore(dir);
    LivePolicy policy = new LivePolicy(denyUnknown(), store);
    List<Integer> heard = new ArrayList<>();
    policy.onRevision(r -> heard.add(r.number()));
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
    assertFalse(policy.refresh());

    // another process: an approval, then a rollback of it
    PolicyStore other = new PolicyStore(dir);
    other.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice", "cli", "a");
    other.append(List.of(ApprovalRequest.alwaysRule("example.com", 443)), List.of(), "alice", "cli", "b");
    assertTrue(policy.refresh());
    assertEquals(2, policy.revision());
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    Revision back = other.rollback(0, "bob", "cli");
    assertTrue(policy.refresh());
    assertFalse(policy.refresh());
    assertInstanceOf(Decision.Unknown.class, policy.decide(PYPI));
    assertEquals(List.of(1, 2, back.number()), heard);
  }

  @Test
  void afterFailClosedEveryRequestIsDeniedSayingWhy(@TempDir Path dir) throws Exception {
    PolicyStore store = new PolicyStore(dir);
    store.append(List.of(ApprovalRequest.alwaysRule("pypi.org", 443)), List.of(), "alice", "cli", "a");
    LivePolicy policy = new LivePolicy(denyUnknown(), store);
    assertInstanceOf(Decision.Allow.class, policy.decide(PYPI));
    assertTrue(policy.lockdown().isEmpty());
    policy.failClosed("the audit log stopped taking events: disk full");
    Decision.Deny d = assertInstanceOf(Decision.Deny.class, policy.decide(PYPI));
    assertTrue(d.reason().contains("disk full"), d.reason());
    assertEquals(d, policy.lockdown().orElseThrow());
  }

  private static Network denyUnknown() {
    return new Network(NetworkMode.PROXY, List.of(), List.of(), List.of(), UnknownAction.DENY,
        Duration.ofSeconds(60));
  }
}
