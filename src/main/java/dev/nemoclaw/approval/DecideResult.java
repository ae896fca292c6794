package dev.nemoclaw.approval;

/** What {@link Inbox#decide} did; the protocol's error codes follow the cases. */
public sealed interface DecideResult {
  String id();

  /** This decision won: the held requests are answered. */
  record Decided(Pending item, Verdict verdict, Decider decider) implements DecideResult {
    @Override
    public String id() {
      return item.id();
    }
  }

  /** Another decision (or the timeout) was first; {@code verdict} and {@code decider} are its. */
  record AlreadyDecided(String id, Verdict verdict, Decider decider) implements DecideResult {}

  /** No such item in this inbox ({@code unknown_approval}). */
  record NotFound(String id) implements DecideResult {}

  /** The {@link PolicyWriter} failed: nothing changed, the item is still pending. */
  record PersistFailed(Pending item, Exception cause) implements DecideResult {
    @Override
    public String id() {
      return item.id();
    }
  }

  /** A bulk decision ({@code decideAll}) refuses an SSRF-class item ({@code bulk_refused}). */
  record BulkRefused(Pending item) implements DecideResult {
    @Override
    public String id() {
      return item.id();
    }
  }
}
