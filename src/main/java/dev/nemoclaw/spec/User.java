package dev.nemoclaw.spec;

/** The numeric identity the agent runs as inside the sandbox. */
public record User(int uid, int gid) {
  @Override
  public String toString() {
    return uid + ":" + gid;
  }
}
