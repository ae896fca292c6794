package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget.ControlError;
import java.util.function.Consumer;

/** Feeds that need no control client. */
public final class TermFeeds {
  private TermFeeds() {}

  /**
   * A feed with no sandboxes: the dashboard stays empty. What {@code nemoclaw term} uses until the
   * control client's feed is wired in.
   */
  public static TermFeed none() {
    return new TermFeed() {
      @Override
      public AutoCloseable start(Consumer<ObjectNode> events) {
        return () -> {};
      }

      @Override
      public ObjectNode decide(String sandbox, String approval, String verdict)
          throws ControlError {
        throw new ControlError("unknown_approval",
            "no pending approval " + approval + " in " + sandbox, null);
      }
    };
  }
}
