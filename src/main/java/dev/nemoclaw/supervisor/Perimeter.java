package dev.nemoclaw.supervisor;

import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.egress.UnknownHandler;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Everything a proxy-mode run puts between its sandbox and the world: the TLS inspection CA, the
 * inference gateway (inference.local), the escalation service (policy.local) and the egress proxy
 * in front of them. Opened together, closed together, in reverse.
 */
final class Perimeter implements AutoCloseable {
  /** Why the perimeter could not be opened; the message is the user's. */
  static final class StartFailure extends Exception {
    private static final long serialVersionUID = 1L;

    StartFailure(String message) {
      super(message);
    }
  }

  private final List<AutoCloseable> opened = new ArrayList<>();
  private Optional<Path> tlsDir = Optional.empty();
  private InferenceSession inference;
  private EgressSession egress;
  private ToolGovernor tools;

  private Perimeter() {}

  /**
   * @param makingTls the sandbox CA being made (when a rule inspects TLS); its files are written
   *     now that the run's name is registered, for the plan to bind them
   * @param unknown what happens to destinations no rule covers
   */
  static Perimeter open(SandboxPlan plan, Supervisor.Options opts, HostDirs dirs,
      LivePolicy policy, Inbox inbox, Session session, UnknownHandler unknown,
      Optional<CompletableFuture<SandboxTls>> makingTls, PrivacyFindings findings,
      AuditTrail audit) throws StartFailure {
    Perimeter p = new Perimeter();
    try {
      p.build(plan, opts, dirs, policy, inbox, session, unknown, makingTls, findings, audit);
      return p;
    } catch (StartFailure | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private void build(SandboxPlan plan, Supervisor.Options opts, HostDirs dirs, LivePolicy policy,
      Inbox inbox, Session session, UnknownHandler unknown,
      Optional<CompletableFuture<SandboxTls>> makingTls, PrivacyFindings findings,
      AuditTrail audit) throws StartFailure {
    PrintStream out = opts.messages();
    Path runDir = dirs.state().resolve("runs").resolve(plan.name());
    Optional<SandboxTls> tls = Optional.empty();
    if (makingTls.isPresent()) {
      try {
        tls = Optional.of(makingTls.get().join());
        tlsDir = Optional.of(tls.get().writeFiles(runDir.resolve("tls")));
      } catch (IOException | CompletionException e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null
            ? e.getCause() : e;
        throw new StartFailure("cannot set up TLS inspection (a rule has inspect: true): "
            + cause.getMessage());
      }
    }
    PrivacyGuard privacy = policy.privacy();
    try {
      inference = InferenceSession.start(opts.inference(), privacy, dirs,
          runDir.resolve("inference.jsonl"), out, session::onInference, findings,
          audit::inference);
      opened.add(inference);
      Escalations escalations = new Escalations(plan.name(), inbox, session::handle,
          plan.resources(), session.escalated());
      opened.add(escalations);
      tools = new ToolGovernor(plan.name(), policy::tools, policy::privacySpec, inbox,
          java.time.Clock.systemUTC(), audit::tool);
      escalations.tools(tools);
      egress = new EgressSession(policy, unknown, runDir.resolve("egress.jsonl"), out,
          session::onEgress, List.<InternalService>of(escalations.service(),
              inference.service()), tls, privacy, findings, audit::egress,
          new McpToolGate(tools, policy::mcpServer));
      opened.add(egress);
    } catch (IOException e) {
      throw new StartFailure("cannot start the " + (inference == null ? "inference gateway"
          : "policy.local service") + ": " + e.getMessage());
    }
    session.inference(() -> Optional.of(inference.status()));
  }

  /** The plan with the CA's files bound in, when this run inspects TLS. */
  SandboxPlan sandbox(SandboxPlan plan) {
    return tlsDir.map(d -> Planner.withSandboxCa(plan, d)).orElse(plan);
  }

  InferenceSession inference() {
    return inference;
  }

  /** The run's tool governor: policy.local's /v1/tools/* and the proxy's MCP gate. */
  ToolGovernor tools() {
    return tools;
  }

  EgressSession egress() {
    return egress;
  }

  @Override
  public void close() {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception ignored) {
        // closing the rest matters more
      }
    }
    tlsDir.ifPresent(SandboxTls::removeFiles);
  }
}
