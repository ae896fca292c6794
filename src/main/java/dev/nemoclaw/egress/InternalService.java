package dev.nemoclaw.egress;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A name served by the supervisor itself (for example {@code policy.local}): plain-HTTP requests
 * for it skip the policy and the SSRF guard and go to {@code target}, a listener of the
 * supervisor's, with {@code headers} added (a per-run secret, so nothing else that reaches the
 * listener is believed) and the bridge's view of the client as {@code X-Nemoclaw-Peer-Pid} and
 * {@code X-Nemoclaw-Peer-Exe}. Any {@code X-Nemoclaw-*} header the client sent is removed first.
 * A CONNECT to it (port 80; 443 when the proxy has a sandbox CA, which terminates the TLS) is
 * answered by the proxy, and the requests inside are forwarded the same way.
 */
public record InternalService(String host, InetSocketAddress target, Map<String, String> headers) {
  public InternalService {
    headers = Map.copyOf(headers);
  }
}
