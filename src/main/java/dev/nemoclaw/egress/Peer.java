package dev.nemoclaw.egress;

import java.util.Optional;

/**
 * Who opened a connection, as the sandbox bridge saw it: the process id and the executable (a path
 * as seen inside the sandbox). Unknown for connections that arrive on a plain TCP listener.
 */
public record Peer(Optional<Integer> pid, Optional<String> exe) {
  public Peer {
    pid = pid == null ? Optional.empty() : pid;
    exe = exe == null ? Optional.empty() : exe;
  }

  public static Peer unknown() {
    return new Peer(Optional.empty(), Optional.empty());
  }

  public static Peer of(int pid, String exe) {
    return new Peer(Optional.of(pid), Optional.of(exe));
  }
}
