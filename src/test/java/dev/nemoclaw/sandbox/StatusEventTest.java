package dev.nemoclaw.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatusEventTest {
  @Test
  void parsesEveryLineOfThePlanFormat() {
    assertEquals(new StatusEvent.SandboxPid(4242), StatusEvent.parse("pid 4242"));
    assertEquals(new StatusEvent.Landlock(6), StatusEvent.parse("landlock 6"));
    assertEquals(new StatusEvent.Seccomp(371), StatusEvent.parse("seccomp 371"));
    assertEquals(new StatusEvent.Started(), StatusEvent.parse("started"));
    assertEquals(new StatusEvent.Failed("mount /usr", "No such file or directory"),
        StatusEvent.parse("fail mount /usr: No such file or directory"));
    assertEquals(new StatusEvent.Failed("plan", "bad magic: x"),
        StatusEvent.parse("fail plan: bad magic: x"));
    assertEquals(new StatusEvent.ExecFailed(2, "No such file or directory"),
        StatusEvent.parse("exec 2: No such file or directory"));
    assertEquals(new StatusEvent.Exited(3), StatusEvent.parse("exit 3"));
    assertEquals(new StatusEvent.Signaled(9), StatusEvent.parse("signal 9"));
  }

  @Test
  void keepsWhatItDoesNotUnderstand() {
    assertEquals(new StatusEvent.Unknown("bridge up"), StatusEvent.parse("bridge up"));
    assertEquals(new StatusEvent.Unknown("exit x"), StatusEvent.parse("exit x"));
    assertEquals(new StatusEvent.Unknown(""), StatusEvent.parse(""));
  }

  @Test
  void exitCodesFollowTheContract() {
    assertEquals(3, new Outcome.Reason.Exited(3).exitCode());
    assertEquals(143, new Outcome.Reason.Signaled(15).exitCode());
    assertEquals(125, new Outcome.Reason.FailedToStart("x", "y").exitCode());
    assertEquals(127, new Outcome.Reason.ExecFailed(2, "ENOENT").exitCode());
    assertEquals(126, new Outcome.Reason.ExecFailed(13, "EACCES").exitCode());
    assertEquals(124, new Outcome.Reason.TimedOut(java.time.Duration.ofSeconds(1)).exitCode());
    assertEquals(137, new Outcome.Reason.OomKilled(1).exitCode());
  }
}
