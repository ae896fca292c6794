package dev.nemoclaw.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * Who decided, how and when.
 *
 * @param user the OS user (from the control socket's peer credentials), or {@code nemoclaw} for
 *     decisions nemoclaw makes itself
 * @param channel {@code tui}, {@code cli} or {@code api} for operators; {@code timeout} (no
 *     decision within {@code approvalTimeout}), {@code ci} ({@code --ci}: nothing is asked) and
 *     {@code stop} (the sandbox stopped with the request pending) for nemoclaw's own
 */
public record Decider(String user, String channel, Instant at) {
  /** The user of decisions nemoclaw makes itself. */
  public static final String NEMOCLAW = "nemoclaw";

  public Decider {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(at, "at");
    if (user.isBlank() || channel.isBlank()) {
      throw new IllegalArgumentException("a decider needs a user and a channel");
    }
  }

  /** {@code alice (tui)}. */
  public String describe() {
    return user + " (" + channel + ")";
  }
}
