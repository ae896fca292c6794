package dev.nemoclaw.approval;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** An operator's decision on a pending request (docs/control-protocol.md, {@code decide}). */
public sealed interface Verdict {
  /** {@code once}, {@code session}, {@code always}, {@code deny} or {@code deny-always}. */
  String wire();

  boolean allows();

  /** Releases the held requests; the next identical one is asked again. */
  record AllowOnce() implements Verdict {
    @Override
    public String wire() {
      return "once";
    }

    @Override
    public boolean allows() {
      return true;
    }
  }

  /**
   * Releases the held requests and grants identical ones (same kind, host, port and binary) until
   * the sandbox stops, or until {@code ttl} has passed, or {@code uses} more requests have used it,
   * whichever comes first. The requests held when deciding do not count as uses.
   */
  record AllowSession(Optional<Duration> ttl, OptionalInt uses) implements Verdict {
    public AllowSession {
      Objects.requireNonNull(ttl, "ttl");
      Objects.requireNonNull(uses, "uses");
      if (ttl.isPresent() && (ttl.get().isNegative() || ttl.get().isZero())) {
        throw new IllegalArgumentException("ttl must be positive, not " + ttl.get());
      }
      if (uses.isPresent() && uses.getAsInt() < 1) {
        throw new IllegalArgumentException("uses must be at least 1, not " + uses.getAsInt());
      }
    }

    /** Until the sandbox stops. */
    public AllowSession() {
      this(Optional.empty(), OptionalInt.empty());
    }

    @Override
    public String wire() {
      return "session";
    }

    @Override
    public boolean allows() {
      return true;
    }
  }

  /** Writes the request's rule as a new policy revision, and grants it for this session. */
  record AllowAlways() implements Verdict {
    @Override
    public String wire() {
      return "always";
    }

    @Override
    public boolean allows() {
      return true;
    }
  }

  /** Refuses the held requests; the next identical one is asked again. */
  record Deny() implements Verdict {
    @Override
    public String wire() {
      return "deny";
    }

    @Override
    public boolean allows() {
      return false;
    }
  }

  /** Writes a deny rule as a new policy revision, and refuses identical requests at once. */
  record DenyAlways() implements Verdict {
    @Override
    public String wire() {
      return "deny-always";
    }

    @Override
    public boolean allows() {
      return false;
    }
  }

  /**
   * The protocol's {@code verdict}, {@code ttl} and {@code uses} fields as a verdict.
   *
   * @throws IllegalArgumentException for an unknown verdict, or a ttl or uses on anything but
   *     {@code session}
   */
  static Verdict parse(String wire, Optional<Duration> ttl, OptionalInt uses) {
    Objects.requireNonNull(wire, "verdict");
    if (!wire.equals("session") && (ttl.isPresent() || uses.isPresent())) {
      throw new IllegalArgumentException("ttl and uses apply only to the session verdict, not "
          + wire);
    }
    return switch (wire) {
      case "once" -> new AllowOnce();
      case "session" -> new AllowSession(ttl, uses);
      case "always" -> new AllowAlways();
      case "deny" -> new Deny();
      case "deny-always" -> new DenyAlways();
      default -> throw new IllegalArgumentException("'" + wire + "' is not a verdict; allowed:"
          + " once, session, always, deny, deny-always");
    };
  }
}
