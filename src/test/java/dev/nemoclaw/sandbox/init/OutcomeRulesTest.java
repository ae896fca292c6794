package dev.nemoclaw.sandbox.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.nemoclaw.sandbox.Outcome.Reason;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.StatusEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OutcomeRulesTest {
  static final ResourceUsage NONE = ResourceUsage.unmeasured();
  static final ResourceUsage OOM = new ResourceUsage(OptionalLong.of(1), OptionalDouble.empty(),
      OptionalLong.empty(), 1);
  static final List<StatusEvent> STARTED = List.of(new StatusEvent.SandboxPid(7),
      new StatusEvent.Started());

  private static Reason decide(List<StatusEvent> ev, WaitStatus ws, ResourceUsage u) {
    return OutcomeRules.decide(ev, ws, Optional.empty(), u, 100);
  }

  private static List<StatusEvent> plus(StatusEvent e) {
    return java.util.stream.Stream.concat(STARTED.stream(), java.util.stream.Stream.of(e))
        .toList();
  }

  @Test
  void statusLinesWinOverTheExitCode() {
    assertEquals(new Reason.Exited(125),
        decide(plus(new StatusEvent.Exited(125)), new WaitStatus.Exited(125), NONE));
    assertEquals(new Reason.FailedToStart("landlock", "not supported"),
        decide(List.of(new StatusEvent.Failed("landlock", "not supported")),
            new WaitStatus.Exited(125), NONE));
    assertEquals(new Reason.Signaled(15),
        decide(plus(new StatusEvent.Signaled(15)), new WaitStatus.Exited(143), NONE));
  }

  @Test
  void aSigkillWithAnOomKillIsTheOomKiller() {
    assertEquals(new Reason.OomKilled(100),
        decide(plus(new StatusEvent.Signaled(9)), new WaitStatus.Exited(137), OOM));
    assertEquals(new Reason.Signaled(9),
        decide(plus(new StatusEvent.Signaled(9)), new WaitStatus.Exited(137), NONE));
  }

  @Test
  void silenceBeforeStartIsASetupFailure() {
    assertInstanceOf(Reason.FailedToStart.class,
        decide(List.of(), new WaitStatus.Exited(0), NONE));
    assertInstanceOf(Reason.FailedToStart.class,
        decide(List.of(), new WaitStatus.Killed(11), NONE));
    assertEquals(new Reason.Signaled(9), decide(STARTED, new WaitStatus.Killed(9), NONE));
    assertEquals(new Reason.Exited(4), decide(STARTED, new WaitStatus.Exited(4), NONE));
  }

  @Test
  void theTimeoutWinsOverEverything() {
    assertEquals(new Reason.TimedOut(Duration.ofSeconds(1)), OutcomeRules.decide(
        plus(new StatusEvent.Signaled(15)), new WaitStatus.Exited(143),
        Optional.of(Duration.ofSeconds(1)), NONE, 1));
  }

  @Test
  void waitStatusDecoding() {
    assertEquals(new WaitStatus.Exited(3), WaitStatus.decode(3 << 8));
    assertEquals(new WaitStatus.Killed(9), WaitStatus.decode(9));
    assertEquals(new WaitStatus.Killed(11), WaitStatus.decode(11 | 0x80));
  }
}
