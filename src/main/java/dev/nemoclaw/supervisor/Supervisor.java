package dev.nemoclaw.supervisor;

import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.control.ControlServer;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Registry;
import dev.nemoclaw.egress.UnknownHandler;
import dev.nemoclaw.spec.Inference;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.host.Install;
import dev.nemoclaw.sandbox.Backend;
import dev.nemoclaw.sandbox.LaunchOptions;
import dev.nemoclaw.sandbox.Limits;
import dev.nemoclaw.sandbox.Outcome;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * One run's lifecycle: sweep what dead runs left, start the sandbox, forward signals, wait, say
 * clearly how it ended, write the report; around it the policy, the approval inbox, the control
 * socket and the {@link Perimeter} (TLS CA, inference.local, policy.local, egress proxy) of this run.
 */
public final class Supervisor {
  /** Between SIGTERM and SIGKILL when the operator stops a run. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private static final int EXIT_FAILED_TO_START = 125;

  /**
   * @param policy agent.yaml's live sections and the policy layers, re-read when they change
   * @param inference the routes behind inference.local
   * @param ci never ask: unknown destinations are refused at once
   * @param tui {@code run --tui}: handed the running sandbox's control target before the agent
   *     starts; the agent then gets /dev/null as stdin and its output goes only to the target's
   *     {@code output} events, because the TUI owns the terminal
   * @param backend what builds the sandbox (native or docker)
   */
  public record Options(Optional<Path> report, boolean interactive, PrintStream messages,
      PolicySource policy, Inference inference, boolean ci,
      Optional<Consumer<ControlTarget>> tui, Backend backend) {}

  private Supervisor() {}

  /**
   * Puts a revision the CLI stored ({@code policy rollback}) in sandbox {@code name}'s audit log,
   * unless a run of it holds the log, which then records the revision as it takes it up (within
   * a second). Returns whether it was written here.
   */
  public static boolean auditPolicyChange(HostDirs dirs, String name, Revision r)
      throws IOException {
    return AuditTrail.recordOffline(dirs, name, r);
  }

  /** Holds uncovered requests for an operator while the policy in force lets it ask. */
  private static UnknownHandler asking(LivePolicy policy, UnknownHandler hold) {
    UnknownHandler deny = UnknownHandler.denyAtOnce();
    return (request, unknown, peer) -> (policy.asks() ? hold : deny)
        .onUnknown(request, unknown, peer);
  }

  /** Runs the plan to its end and returns {@code run}'s exit code (CONTRACT §4). */
  public static int run(SandboxPlan plan, Options opts) throws InterruptedException {
    Backend backend = opts.backend();
    backend.sweep();
    HostDirs dirs = HostDirs.fromEnvironment();
    PrintStream out = opts.messages();
    LivePolicy policy;
    PolicyStore store = PolicyStore.forSandbox(dirs.state(), plan.name());
    try {
      policy = new LivePolicy(opts.policy(), store);
    } catch (IOException e) {
      out.println("nemoclaw: cannot read the stored policy of " + plan.name() + ": "
          + e.getMessage() + " (see `nemoclaw policy history " + plan.name() + "`)");
      return EXIT_FAILED_TO_START;
    }
    boolean proxy = plan.network().mode() == SandboxPlan.NetworkMode.PROXY;
    Optional<CompletableFuture<SandboxTls>> makingTls = proxy && policy.inspects()
        ? Optional.of(SandboxTls.start(plan.name(), System.getenv()))
        : Optional.empty();
    Network network = opts.policy().initial().network();
    // network.unknown is static (the inbox is made for it); a layer may still forbid asking live
    boolean ask = policy.asks() && !opts.ci();
    PolicyWriter toStore = PolicyWriter.to(store);
    PolicyWriter writer = (request, allow, decider) -> {
      if (request.kind() == dev.nemoclaw.approval.ApprovalRequest.Kind.TOOL) {
        throw new IOException("`always` stores a destination rule, not a tool rule; approve this"
            + " call once or for the session (--scope session), or add a tools rule to"
            + " agent.yaml (it applies live)");
      }
      if (request.host().equals(Escalations.HOST)) {
        throw new IOException("`always` stores a destination rule; approve this request once");
      }
      toStore.persist(request, allow, decider);
    };
    // only --ci refuses what would be asked at once: escalations and tool approvals are asked
    // under network.unknown: deny too (that setting is about destinations)
    try (Inbox inbox = new Inbox(network.approvalTimeout(), opts.ci(), writer)) {
      Session session = new Session(plan.name(), backend.name(), inbox, policy, out);
      Registry registry = Registry.fromEnvironment();
      try (ControlServer server = ControlServer.start(registry.socketFor(plan.name()), session);
          Registry.Registration reg = registry.register(new Registry.Entry(plan.name(),
              ProcessHandle.current().pid(), session.startedAt(), backend.name(),
              server.socket()));
          AuditTrail audit = AuditTrail.open(dirs, plan.name(), out)) {
        inbox.listen(audit::inbox);
        policy.onRevision(audit::policyChanged);
        policy.onEdit(audit::policyEdited);
        audit.onFailure(policy::failClosed);
        PrivacyFindings findings = new PrivacyFindings();
        Optional<Perimeter> perimeter = Optional.empty();
        if (proxy) {
          try {
            perimeter = Optional.of(Perimeter.open(plan, opts, dirs, policy, inbox, session,
                ask ? asking(policy, session.unknownHandler()) : UnknownHandler.denyAtOnce(),
                makingTls,
                findings, audit));
          } catch (Perimeter.StartFailure e) {
            out.println("nemoclaw: " + e.getMessage());
            return EXIT_FAILED_TO_START;
          }
        }
        // a revision another process stores (policy rollback) applies within a quarter second
        Thread stats = Thread.ofVirtual().start(() -> {
          try {
            for (long tick = 1; ; tick++) {
              Thread.sleep(250);
              session.refreshPolicy();
              if (tick % 4 == 0) {
                session.publishStats();
              }
            }
          } catch (InterruptedException e) {
            // the run is over
          }
        });
        try {
          SandboxPlan sandbox = perimeter.map(p -> p.sandbox(plan)).orElse(plan);
          int code = run(sandbox, opts, backend, perimeter, session, findings, audit,
              policy.revision());
          session.exited(code);
          return code;
        } finally {
          stats.interrupt();
          perimeter.ifPresent(Perimeter::close);
        }
      } catch (Registry.NameInUseException e) {
        out.println("nemoclaw: a sandbox named " + plan.name() + " is already running (pid "
            + e.holder().pid() + "); stop it with `nemoclaw stop " + plan.name()
            + "` or choose another name with --name");
        return EXIT_FAILED_TO_START;
      } catch (AuditTrail.Unavailable e) {
        out.println("nemoclaw: " + e.getMessage());
        return EXIT_FAILED_TO_START;
      } catch (IOException e) {
        out.println("nemoclaw: cannot open the control socket for " + plan.name() + ": "
            + e.getMessage());
        return EXIT_FAILED_TO_START;
      }
    }
  }

  private static int run(SandboxPlan plan, Options opts, Backend backend,
      Optional<Perimeter> perimeter, Session session, PrivacyFindings findings,
      AuditTrail audit, int policyRevision) throws InterruptedException {
    LaunchOptions launch = LaunchOptions.defaults().withOutput(session::onOutput);
    if (opts.tui().isPresent()) {
      opts.tui().get().accept(session);
      launch = launch.withHeadless(true);
    } else {
      launch = launch.withTerminal(opts.interactive()); // a pty of its own on a terminal
    }
    if (perimeter.isPresent()) {
      launch = launch.withBridge(perimeter.get().egress()::adopt);
    }
    SandboxHandle handle;
    try {
      handle = backend.start(plan, Install.locate(), launch);
      session.started(handle);
      audit.started(handle.pid(), plan.command(), policyRevision);
    } catch (SandboxException e) {
      opts.messages().println("nemoclaw: cannot start the sandbox: " + e.getMessage());
      return new Outcome.Reason.FailedToStart(e.step(), e.getMessage()).exitCode();
    }
    if (handle.limits() instanceof Limits.Off off) {
      opts.messages().println("nemoclaw: resource limits are OFF for this run: " + off.reason()
          + " (see nemoclaw doctor)");
    }
    forwardSignals(handle, opts.interactive());
    Outcome outcome = handle.waitFor();
    audit.ended(handle.pid(), outcome);
    explain(outcome, plan, opts.messages());
    if (opts.report().isPresent()) {
      writeReport(opts.report().get(), plan, backend, outcome,
          perimeter, findings, audit.finish(), opts.messages());
    }
    return outcome.exitCode();
  }

  /**
   * SIGTERM and SIGHUP stop the sandbox (SIGKILL after the grace period). SIGINT is forwarded, or,
   * on a terminal, left to the terminal, which already sent it to the sandbox's process group; a
   * second SIGINT stops the sandbox.
   */
  private static void forwardSignals(SandboxHandle handle, boolean interactive) {
    AtomicInteger interrupts = new AtomicInteger();
    Runnable stop = () -> Thread.ofVirtual().start(() -> {
      try {
        handle.stop(STOP_GRACE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Signal.handle(new Signal("TERM"), s -> stop.run());
    Signal.handle(new Signal("HUP"), s -> stop.run());
    Signal.handle(new Signal("INT"), s -> {
      if (interrupts.incrementAndGet() > 1) {
        stop.run();
      } else if (!interactive) {
        handle.signal(s.getNumber());
      }
    });
  }

  private static void explain(Outcome o, SandboxPlan plan, PrintStream out) {
    switch (o.reason()) {
      case Outcome.Reason.FailedToStart f -> out.println("nemoclaw: the sandbox could not be built: "
          + f.step() + ": " + f.message() + (f.step().equals("landlock")
              ? "; run `nemoclaw doctor`, or set security.landlock: best-effort to run without it"
              : "; run `nemoclaw doctor` to see what this host lacks"));
      case Outcome.Reason.ExecFailed x -> out.println("nemoclaw: " + (x.exitCode() == 127
          ? plan.command().getFirst() + ": command not found in the sandbox"
          : x.message() + " (cannot execute it in the sandbox)"));
      case Outcome.Reason.TimedOut t ->
          out.println("nemoclaw: timed out after " + t.after() + " (resources.timeout); killed");
      case Outcome.Reason.OomKilled oom -> out.println("nemoclaw: " + oom.message());
      case Outcome.Reason.Signaled s -> out.println("nemoclaw: the agent was killed by signal "
          + s.signal());
      case Outcome.Reason.Exited e -> { }
    }
  }

  private static void writeReport(Path file, SandboxPlan plan, Backend backend, Outcome o,
      Optional<Perimeter> perimeter, PrivacyFindings findings, RunReport.Audit audit,
      PrintStream out) {
    var r = o.resources();
    RunReport report = new RunReport(
        plan.name(),
        o.exitCode(),
        o.reason().getClass().getSimpleName(),
        o.duration().toMillis(),
        perimeter.map(p -> p.egress().denied()).orElse(List.of()),
        List.of(),
        new RunReport.Resources(r.peakMemoryBytes().orElse(0), r.cpuSeconds().orElse(0),
            r.peakPids().orElse(0)),
        perimeter.map(p -> RunReport.Inference.of(p.inference().snapshot()))
            .orElse(RunReport.Inference.NONE),
        new RunReport.Privacy(findings.report()),
        audit,
        new RunReport.Sandbox(backend.name(), o.landlockAbi().orElse(0),
            o.seccompRules().orElse(0), o.limits().describe(), backend.namespaces()));
    try {
      AtomicFile.write(file, ReportJson.render(report));
    } catch (IOException e) {
      out.println("nemoclaw: cannot write the report " + file + ": " + e.getMessage());
    }
  }
}
