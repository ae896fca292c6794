package dev.nemoclaw.supervisor;

import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.spec.Network;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * agent.yaml's network section with the sandbox's stored revisions layered on top, recompiled
 * when an approval writes a new revision; the proxy always asks the newest. Each revision that
 * appears while the run goes on is handed to the listener once (the audit log records it), and
 * while {@link #failClosed} holds a reason every request is denied with it.
 */
final class LivePolicy implements EgressPolicy {
  private record Generation(CompiledPolicy policy, int revision) {}

  private final Network network;
  private final PolicyStore store;
  private final AtomicReference<Generation> current = new AtomicReference<>();
  private volatile Consumer<Revision> onRevision = r -> {};
  private volatile Optional<String> closedBecause = Optional.empty();

  LivePolicy(Network network, PolicyStore store) throws IOException {
    this.network = network;
    this.store = store;
    reload();
  }

  /** Receives each revision newer than the one in force when it was set. */
  void onRevision(Consumer<Revision> listener) {
    onRevision = listener;
  }

  /**
   * Compiles agent.yaml's rules plus every stored revision again, and hands the revisions that
   * were not in force before to the listener, oldest first.
   */
  synchronized void reload() throws IOException {
    Optional<Revision> latest = store.latest();
    int newest = latest.map(Revision::number).orElse(0);
    Generation before = current.get();
    current.set(new Generation(CompiledPolicy.compile(network,
        latest.map(Revision::rules).orElse(RuleSet.EMPTY)), newest));
    if (before != null) {
      for (int n = before.revision() + 1; n < newest; n++) {
        onRevision.accept(store.revision(n));
      }
      if (newest > before.revision()) {
        onRevision.accept(latest.get());
      }
    }
  }

  /**
   * Reloads when the store has a revision this policy has not seen (another process wrote it:
   * {@code policy rollback}, an approval through another sandbox's CLI); returns whether it did.
   */
  boolean refresh() throws IOException {
    if (store.newest() == current.get().revision()) {
      return false;
    }
    reload();
    return true;
  }

  /** The stored revision in force (0: agent.yaml alone). */
  int revision() {
    return current.get().revision();
  }

  /** From now on every request is denied, saying {@code reason}. */
  void failClosed(String reason) {
    closedBecause = Optional.of(reason);
  }

  /** Whether a rule in force now asks for TLS inspection (see {@link CompiledPolicy#inspects}). */
  boolean inspects() {
    return current.get().policy().inspects();
  }

  @Override
  public Decision decide(EgressRequest request) {
    return lockdown().<Decision>map(d -> d).orElseGet(() -> current.get().policy().decide(request));
  }

  @Override
  public Optional<Decision.Deny> lockdown() {
    return closedBecause.map(reason -> new Decision.Deny("audit", reason,
        "nothing leaves a sandbox whose decisions cannot be recorded; fix the audit log (`nemoclaw"
            + " audit verify`, free disk space) and run again"));
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    return current.get().policy().namesAddress(address, port);
  }
}
