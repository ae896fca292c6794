package dev.nemoclaw.supervisor;

import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.spec.Network;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReference;

/**
 * agent.yaml's network section with the sandbox's stored revisions layered on top, recompiled
 * when an approval writes a new revision; the proxy always asks the newest.
 */
final class LivePolicy implements EgressPolicy {
  private final Network network;
  private final PolicyStore store;
  private final AtomicReference<CompiledPolicy> current = new AtomicReference<>();

  LivePolicy(Network network, PolicyStore store) throws IOException {
    this.network = network;
    this.store = store;
    reload();
  }

  /** Compiles agent.yaml's rules plus every stored revision again. */
  void reload() throws IOException {
    current.set(CompiledPolicy.compile(network, store.current()));
  }

  /** Whether a rule in force now asks for TLS inspection (see {@link CompiledPolicy#inspects}). */
  boolean inspects() {
    return current.get().inspects();
  }

  @Override
  public Decision decide(EgressRequest request) {
    return current.get().decide(request);
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    return current.get().namesAddress(address, port);
  }
}
