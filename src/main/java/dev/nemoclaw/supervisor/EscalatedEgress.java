package dev.nemoclaw.supervisor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Destinations an approved egress escalation opened for this run: any binary may reach them,
 * once (one connection) or for the rest of the run. Checked before a request would be held.
 */
final class EscalatedEgress {
  private final Map<String, Boolean> grants = new ConcurrentHashMap<>(); // value: once

  void grant(String host, int port, boolean once) {
    grants.merge(key(host, port), once, (a, b) -> a && b);
  }

  /** True when a grant covers it; a once-grant is used up by this call. */
  boolean take(String host, int port) {
    String k = key(host, port);
    Boolean once = grants.get(k);
    if (once == null) {
      return false;
    }
    return !once || grants.remove(k, true);
  }

  private static String key(String host, int port) {
    return host.toLowerCase(java.util.Locale.ROOT) + ":" + port;
  }
}
