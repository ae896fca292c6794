package dev.nemoclaw.cli;

import dev.nemoclaw.sandbox.Backend;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.supervisor.Supervisor;
import dev.nemoclaw.tui.TargetTermFeed;
import dev.nemoclaw.tui.Term;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code run --tui}: the sandbox runs on a thread of its own while the operator TUI, fed straight
 * from it, owns the terminal: the agent's output in one pane, its approvals in another. Quitting
 * the TUI stops a sandbox that still runs; the supervisor's messages are printed after the
 * terminal is back.
 */
final class TuiRun {
  private TuiRun() {}

  static int run(SandboxPlan plan, AgentSpec spec, SpecPolicySource policy,
      Optional<Path> report, boolean ci, Backend backend)
      throws Exception {
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8);
    CompletableFuture<TargetTermFeed> attached = new CompletableFuture<>();
    AtomicInteger code = new AtomicInteger(125);
    Thread sandbox = Thread.ofPlatform().name("nemoclaw-tui-run").start(() -> {
      try {
        code.set(Supervisor.run(plan, new Supervisor.Options(report, false, out, policy,
            spec.inference(), ci,
            Optional.of(t -> attached.complete(new TargetTermFeed(plan.name(), t))), backend)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        attached.completeExceptionally(new IllegalStateException("the sandbox did not start"));
      }
    });
    TargetTermFeed feed;
    try {
      feed = attached.get();
    } catch (java.util.concurrent.ExecutionException e) {
      sandbox.join();
      System.err.print(messages.toString(StandardCharsets.UTF_8));
      return code.get();
    }
    Term.run(feed);
    if (sandbox.isAlive()) {
      feed.stop();
    }
    sandbox.join();
    System.err.print(messages.toString(StandardCharsets.UTF_8));
    return code.get();
  }

}
