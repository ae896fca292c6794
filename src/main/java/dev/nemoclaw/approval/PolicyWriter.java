package dev.nemoclaw.approval;

import dev.nemoclaw.policy.PolicyStore;
import java.io.IOException;
import java.util.List;

/**
 * Makes an {@code always} or {@code deny-always} decision permanent. The inbox calls it before the
 * decision takes effect: when it throws, the decision fails and the request stays pending.
 */
@FunctionalInterface
public interface PolicyWriter {
  /**
   * @param allow true: add {@code request.rule()}; false: add {@code request.denyRule()}
   * @throws IOException when the rule could not be stored; the message is shown to the operator
   */
  void persist(ApprovalRequest request, boolean allow, Decider decider) throws IOException;

  /** Refuses: for runs that have no policy store. */
  static PolicyWriter none() {
    return (request, allow, decider) -> {
      throw new IOException("this sandbox has no policy store; decide once or for the session");
    };
  }

  /** Appends a revision to {@code store} holding the one rule, with the decider as author. */
  static PolicyWriter to(PolicyStore store) {
    return (request, allow, decider) -> {
      String reason = (allow ? "always allow " : "always deny ") + request.destination()
          + request.binary().map(b -> " (asked by " + b + ")").orElse("")
          + ": " + request.detail();
      if (allow) {
        store.append(List.of(request.rule()), List.of(), decider.user(), decider.channel(),
            reason);
      } else {
        store.append(List.of(), List.of(request.denyRule()), decider.user(), decider.channel(),
            reason);
      }
    };
  }
}
