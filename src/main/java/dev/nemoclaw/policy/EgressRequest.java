package dev.nemoclaw.policy;

import java.util.Optional;

/**
 * One egress attempt as the policy sees it. {@code host} is a lower-case DNS name or an IP address
 * in canonical form (the proxy canonicalizes odd spellings first). {@code method} and {@code path}
 * are known only for plain HTTP (or inspected TLS); a CONNECT tunnel hides them. {@code binary} is
 * the executable, as seen inside the sandbox, of the process that opened the connection, when the
 * bridge could tell it.
 */
public record EgressRequest(
    String host, int port, Optional<String> method, Optional<String> path, Optional<String> binary) {

  /** A CONNECT tunnel: no method, no path. */
  public static EgressRequest tunnel(String host, int port, Optional<String> binary) {
    return new EgressRequest(host, port, Optional.empty(), Optional.empty(), binary);
  }
}
