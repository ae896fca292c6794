package dev.nemoclaw.policy.openshell;

/**
 * Something in the OpenShell policy that nemoclaw cannot express exactly, and what the import did
 * instead. {@code line} and {@code path} point into the OpenShell file.
 */
public record Finding(int line, String path, String message, Action action) {
  /** What the import did; none of them makes the result looser than the source. */
  public enum Action {
    /** Converted, but nemoclaw allows less than OpenShell would. */
    stricter,
    /** Not converted: what it allowed is not allowed, or it had no bearing on access. */
    dropped,
    /** Converted to the nearest nemoclaw setting, which neither widens nor narrows access. */
    approximated
  }

  /** {@code line 12 network_policies.x.endpoints[0].tls: MESSAGE (stricter)}. */
  public String render() {
    return "line " + line + " " + path + ": " + message + " (" + action + ")";
  }
}
