package dev.nemoclaw.tui;

/** Where the TUI's data comes from and its decisions go. */
public interface TermFeed {
  /** Starts delivering events until closed: for each running sandbox (and ones that start later)
   * first {"event":"sandbox.up","sandbox":NAME,"status":{...status result...},"approvals":[...pending Approval objects...]},
   * then that sandbox's protocol events (approval.new/updated/decided/expired, egress, stats, exit) each with a "sandbox" field added,
   * and {"event":"sandbox.down","sandbox":NAME} when it is gone. Called from other threads. */
  AutoCloseable start(java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> events) throws java.io.IOException;
  /** Decides one approval (verdict once|session|always|deny|deny-always, channel "tui");
   * returns the decide result or throws ControlTarget.ControlError (e.g. already_decided, bulk_refused). */
  com.fasterxml.jackson.databind.node.ObjectNode decide(String sandbox, String approval, String verdict) throws dev.nemoclaw.control.ControlTarget.ControlError, java.io.IOException;
}
