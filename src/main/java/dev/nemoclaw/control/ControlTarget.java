package dev.nemoclaw.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a control socket serves: one running sandbox, as its supervisor sees it. The supervisor
 * implements it; the control server only translates docs/control-protocol.md to these calls.
 * JSON values are in the protocol's shapes (see the doc), so the server passes them through.
 */
public interface ControlTarget {
  /** {@code hello}'s result. */
  ObjectNode hello();

  /** {@code status}'s result. */
  ObjectNode status();

  /** Pending approvals, newest first, each an {@code Approval} object. */
  List<ObjectNode> approvals();

  /**
   * Decides one approval. Returns the {@code decide} result, or throws {@link ControlError} with
   * the protocol's error code ({@code already_decided}, {@code unknown_approval}, ...).
   *
   * @param user the OS user of the peer (from SO_PEERCRED), recorded with the decision
   */
  ObjectNode decide(String approval, String verdict, Duration ttl, int uses, String channel,
      String user) throws ControlError;

  void stop(Duration grace);

  /**
   * How the policy in force now decides a request, without making it: {@code explain}'s result
   * (docs/control-protocol.md; the shape of {@code policy explain -o json}).
   */
  ObjectNode explain(String host, int port, Optional<String> method, Optional<String> path,
      Optional<String> binary) throws ControlError;

  /** Recent output and decision lines for {@code logs}. */
  List<String> recentLog();

  /**
   * Delivers events (protocol {@code event} objects) of these topics until the returned handle is
   * closed. Must not block the caller; the listener is called from other threads.
   */
  AutoCloseable subscribe(List<String> topics, Consumer<ObjectNode> listener);

  /** A protocol error: {@code code} is the {@code error} field, {@code details} extra fields. */
  final class ControlError extends Exception {
    private final String code;
    private final ObjectNode details;

    public ControlError(String code, String message, ObjectNode details) {
      super(message);
      this.code = code;
      this.details = details;
    }

    public String code() {
      return code;
    }

    public ObjectNode details() {
      return details;
    }
  }
}
