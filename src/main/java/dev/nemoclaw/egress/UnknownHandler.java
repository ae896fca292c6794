package dev.nemoclaw.egress;

import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What happens to a request no rule covers. The approval inbox implements this to hold the
 * connection until an operator decides; the proxy waits without blocking an event loop. An answer
 * that is still {@link Decision.Unknown} is taken as a refusal.
 */
@FunctionalInterface
public interface UnknownHandler {
  CompletionStage<Decision> onUnknown(EgressRequest request, Decision.Unknown unknown, Peer peer);

  /** Refuse at once (the {@code --ci} behaviour, and the default until the inbox exists). */
  static UnknownHandler denyAtOnce() {
    return (request, unknown, peer) -> {
      String where = request.host() + ":" + request.port();
      String reason = unknown.reason().isBlank()
          ? "no rule in the network policy covers " + where
          : unknown.reason();
      String hint = unknown.hint().isBlank()
          ? "to allow it, add to agent.yaml: network.allow: [{host: " + request.host()
              + ", ports: [" + request.port() + "]}]"
          : unknown.hint();
      return CompletableFuture.completedFuture(new Decision.Deny(unknown.rule(), reason, hint));
    };
  }
}
