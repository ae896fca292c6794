package dev.nemoclaw.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One revision of a sandbox's operator-added rules (see {@link PolicyStore}, docs/policy-store.md).
 *
 * @param number 1, 2, 3, ... with no gaps
 * @param author the OS user who made it
 * @param channel how: {@code tui}, {@code cli}, {@code api}
 * @param reason one line, e.g. which approval it came from
 * @param rollbackTo set when the revision is a rollback: the revision whose rules it restores
 * @param added rules this revision brought in (for a rollback: the ones it restored)
 * @param removed rules this revision dropped (only a rollback drops rules)
 * @param rules every added rule in force after this revision
 */
public record Revision(
    int number,
    Instant time,
    String author,
    String channel,
    String reason,
    OptionalInt rollbackTo,
    RuleSet added,
    RuleSet removed,
    RuleSet rules) {
  public Revision {
    if (number < 1) {
      throw new IllegalArgumentException("revision numbers start at 1, not " + number);
    }
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(author, "author");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(rollbackTo, "rollbackTo");
    Objects.requireNonNull(added, "added");
    Objects.requireNonNull(removed, "removed");
    Objects.requireNonNull(rules, "rules");
  }

  /** What changed, for one line of {@code policy history}: {@code +1 allow, -2 deny}. */
  public String changeSummary() {
    StringBuilder b = new StringBuilder();
    part(b, '+', added.allow().size(), "allow");
    part(b, '+', added.deny().size(), "deny");
    part(b, '-', removed.allow().size(), "allow");
    part(b, '-', removed.deny().size(), "deny");
    return b.isEmpty() ? "no change" : b.toString();
  }

  private static void part(StringBuilder b, char sign, int n, String kind) {
    if (n > 0) {
      b.append(b.isEmpty() ? "" : ", ").append(sign).append(n).append(' ').append(kind);
    }
  }
}
