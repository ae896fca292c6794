package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The TUI's feed straight from a sandbox in this process ({@code run --tui}): the same events
 * the control socket serves, plus the agent's output, without a socket in between. It subscribes
 * when made (before the agent starts) and keeps what comes until the TUI starts, so not even the
 * agent's first line is lost.
 */
public final class TargetTermFeed implements TermFeed {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final String name;
  private final ControlTarget target;
  private final List<ObjectNode> early = new ArrayList<>();
  private Consumer<ObjectNode> sink; // guarded by early
  private final AutoCloseable subscription;

  public TargetTermFeed(String name, ControlTarget target) {
    this.name = name;
    this.target = target;
    this.subscription = target.subscribe(
        List.of("approvals", "egress", "stats", "lifecycle", "output"), e -> {
          e.put("sandbox", name);
          synchronized (early) {
            if (sink == null) {
              early.add(e);
              return;
            }
          }
          sink.accept(e);
        });
  }

  @Override
  public AutoCloseable start(Consumer<ObjectNode> events) {
    ObjectNode up = F.objectNode().put("event", "sandbox.up").put("sandbox", name);
    up.set("status", target.status());
    up.set("approvals", F.arrayNode().addAll(target.approvals()));
    synchronized (early) {
      events.accept(up);
      early.forEach(events);
      early.clear();
      sink = events;
    }
    return subscription;
  }

  /** Stops the sandbox (the operator quit the TUI while it still ran). */
  public void stop() {
    target.stop(java.time.Duration.ofSeconds(10));
  }

  @Override
  public ObjectNode decide(String sandbox, String approval, String verdict)
      throws ControlTarget.ControlError {
    return target.decide(approval, verdict, null, 0, "tui", System.getProperty("user.name"));
  }
}
