package dev.nemoclaw.policy;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The compiled network policy of one sandbox. Thread-safe; a decision costs microseconds.
 * {@link CompiledPolicy} is the implementation; its javadoc and docs/agent-yaml.md give the rules.
 */
public interface EgressPolicy {
  Decision decide(EgressRequest request);

  /**
   * Whether an allow rule names this exact address, or a CIDR block holding it, for this port.
   * Special-purpose destinations (loopback, private, link-local, metadata, ...) are reachable only
   * then, never through a DNS name that happens to resolve to them.
   */
  boolean namesAddress(InetAddress address, int port);

  /**
   * When present, every request is refused with this decision, internal services such as
   * inference.local included: the run can no longer record what it lets out (its audit log
   * failed). Empty normally.
   */
  default Optional<Decision.Deny> lockdown() {
    return Optional.empty();
  }
}
