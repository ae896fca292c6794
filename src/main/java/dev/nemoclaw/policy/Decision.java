package dev.nemoclaw.policy;

/**
 * What the policy says about one {@link EgressRequest}. {@code rule} names the deciding rule the
 * way a user finds it (for example {@code network.allow[2] api.github.com} or {@code preset github
 * allow[0] github.com}); {@code reason} is one sentence for people and for the 403 body.
 */
public sealed interface Decision {
  String rule();

  String reason();

  /**
   * A rule allows it. {@code inspect}: that rule asks for TLS inspection. An inspected tunnel is
   * allowed as a whole only provisionally: the proxy terminates TLS and decides every request
   * inside again, with its method and path, because L7 allow and deny rules apply only there.
   */
  record Allow(String rule, String reason, boolean inspect) implements Decision {}

  /** A rule refuses it; {@code hint} says what to change or ask for. */
  record Deny(String rule, String reason, String hint) implements Decision {}

  /**
   * No rule covers it: {@code network.unknown} (ask or deny) decides. {@code rule} is
   * {@code network.unknown: ask} or {@code network.unknown: deny}; the reason names the nearest
   * rule that did not fit, if any.
   */
  record Unknown(String rule, String reason, String hint) implements Decision {}
}
