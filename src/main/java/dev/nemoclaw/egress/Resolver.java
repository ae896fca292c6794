package dev.nemoclaw.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a DNS name into addresses. The proxy is the only resolver a sandbox has; it calls this on a
 * virtual thread (it may block), checks every address it returns, and connects to a checked one
 * without asking again, so a name cannot change its answer between the check and the connect.
 */
@FunctionalInterface
public interface Resolver {
  /** Never empty; throws when the name does not resolve. */
  List<InetAddress> resolve(String name) throws UnknownHostException;

  /** The host's resolver ({@link InetAddress#getAllByName}). */
  static Resolver system() {
    return name -> List.of(InetAddress.getAllByName(name));
  }
}
