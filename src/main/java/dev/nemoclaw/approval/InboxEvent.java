package dev.nemoclaw.approval;

/**
 * What happens in an inbox, in the order it happens (docs/control-protocol.md, events
 * {@code approval.*}; {@link ApprovalJson#toJson(InboxEvent)} writes them).
 */
public sealed interface InboxEvent {
  /** The item as it is after the event. */
  Pending item();

  /** A request is held: a new item. */
  record New(Pending item) implements InboxEvent {}

  /** An identical request joined a held item: more hits. */
  record Updated(Pending item) implements InboxEvent {}

  /** An operator decided. */
  record Decided(Pending item, Verdict verdict, Decider decider) implements InboxEvent {}

  /** Nobody decided within {@code approvalTimeout} (or the sandbox stopped): denied. */
  record Expired(Pending item, Decider decider) implements InboxEvent {}
}
