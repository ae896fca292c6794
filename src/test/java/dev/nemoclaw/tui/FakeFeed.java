package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget.ControlError;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A TermFeed the test drives: it emits what it is told and records every decision. */
class FakeFeed implements TermFeed {
  final BlockingQueue<String> decisions = new LinkedBlockingQueue<>();
  final CountDownLatch started = new CountDownLatch(1);
  volatile Consumer<ObjectNode> sink;
  volatile boolean closed;
  /** When set, decide throws it. */
  volatile ControlError refuse;

  @Override
  public AutoCloseable start(Consumer<ObjectNode> events) {
    sink = events;
    started.countDown();
    return () -> closed = true;
  }

  void emit(ObjectNode event) throws InterruptedException {
    if (!started.await(5, TimeUnit.SECONDS)) {
      throw new AssertionError("the UI never started the feed");
    }
    sink.accept(event);
  }

  @Override
  public ObjectNode decide(String sandbox, String approval, String verdict)
      throws ControlError, IOException {
    decisions.add(sandbox + "/" + approval + "/" + verdict);
    if (refuse != null) {
      throw refuse;
    }
    return Events.JSON.createObjectNode().put("approval", approval).put("verdict", verdict)
        .put("by", "tester").put("channel", "tui").put("at", Events.T0.toString());
  }
}
