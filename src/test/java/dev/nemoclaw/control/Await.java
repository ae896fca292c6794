package dev.nemoclaw.control;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Polls a condition every 10 ms for up to 5 s (things another thread makes true). */
public final class Await {
  private Await() {}

  /** A condition that may throw. */
  public interface Cond {
    boolean ok() throws Exception;
  }

  public static void until(Cond c) throws Exception {
    for (int i = 0; i < 500; i++) {
      if (c.ok()) {
        return;
      }
      Thread.sleep(10);
    }
    assertTrue(c.ok(), "condition not reached in 5s");
  }
}
