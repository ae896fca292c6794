package dev.nemoclaw.supervisor;

import dev.nemoclaw.egress.Denials;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.egress.EgressProxy;
import dev.nemoclaw.egress.ToolGate;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.egress.UnknownHandler;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.sandbox.BridgedConnection;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.spec.PrivacyScope;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The egress side of one run: the proxy the sandbox's bridge hands connections to, a log of every
 * decision (one JSON line each in {@code runs/NAME/egress.jsonl} under the state dir, and each
 * to the audit log through {@link AuditTrail}), a one-line notice per refusal on the run's messages, and the refusals for
 * {@code --report}.
 */
final class EgressSession implements AutoCloseable {
  private final EgressProxy proxy;
  private final Denials denials = new Denials();
  private final EventLog log;
  private final PrintStream messages;
  private final Consumer<String> also;
  private final Consumer<EgressEvent> audit;
  private final PrivacyFindings findings;

  /**
   * @param unknown what happens to destinations no rule covers (the inbox, or refuse at once)
   * @param also hears every event as its JSON line (the control socket's subscribers)
   * @param tls the sandbox CA and host roots, when the run inspects TLS
   * @param privacy screens request bodies (plain HTTP and inspected HTTPS) when it covers egress
   * @param findings where what the screening found is counted for the report
   * @param tools decides MCP tool calls crossing the proxy
   */
  EgressSession(EgressPolicy policy, UnknownHandler unknown, Path logFile, PrintStream messages,
      Consumer<String> also, List<InternalService> internal, Optional<SandboxTls> tls,
      PrivacyGuard privacy, PrivacyFindings findings, Consumer<EgressEvent> audit,
      ToolGate tools) {
    this.log = EventLog.open(logFile, "egress", messages);
    this.audit = audit;
    this.messages = messages;
    this.also = also;
    this.findings = findings;
    EgressProxy.Builder b = EgressProxy.builder(policy).unknownHandler(unknown)
        .events(this::onEvent).privacy(privacy).toolGate(tools);
    internal.forEach(b::internal);
    tls.ifPresent(t -> b.sandboxCa(t.ca()).upstreamTrust(t.hostTrust()));
    this.proxy = b.start();
  }

  /** Takes one connection from the sandbox's bridge; the proxy owns the socket from here. */
  void adopt(BridgedConnection c) {
    Peer peer = new Peer(c.pid().isPresent() ? Optional.of(c.pid().getAsInt()) : Optional.empty(),
        c.executable());
    try {
      proxy.adopt(c.fd(), peer);
    } catch (IOException e) {
      throw new IllegalStateException(e); // the bridge receiver closes the socket
    }
  }

  private void onEvent(EgressEvent e) {
    audit.accept(e);
    denials.accept(e);
    String line = e.toJsonLine(); // once, for the log and the control socket alike
    also.accept(line);
    switch (e) {
      case EgressEvent.Decided d when d.decision() == EgressEvent.Verdict.DENY ->
          messages.println("nemoclaw: egress denied: " + what(e) + " — " + d.reason() + " ["
              + d.rule() + "]");
      case EgressEvent.Screened s -> screened(s);
      case EgressEvent.Ended end when end.outcome().equals("client_tls_failed") ->
          messages.println("nemoclaw: TLS inspection: " + what(e) + " did not complete the TLS"
              + " handshake with the sandbox CA's certificate (does the client trust"
              + " SSL_CERT_FILE or NODE_EXTRA_CA_CERTS?)");
      default -> { }
    }
    log.append(line);
  }

  private void screened(EgressEvent.Screened s) {
    String action = switch (s.action()) {
      case AUDITED -> "audit";
      case MASKED -> "mask";
      case BLOCKED -> "block";
      case UNSCANNED -> "";
    };
    if (action.isEmpty()) {
      return; // nothing found, because nothing could be read; the log says so
    }
    findings.add(PrivacyScope.EGRESS.yaml(), s.host() + ":" + s.port(), action, s.detectors());
    if (s.action() == EgressEvent.Screening.BLOCKED) {
      messages.println("nemoclaw: egress blocked by privacy screening: " + what(s)
          + " — the body holds " + s.detectors());
    }
  }

  /** {@code GET host:port/path from /usr/bin/curl}, for messages. */
  private static String what(EgressEvent e) {
    return e.method().map(m -> m + " ").orElse("") + e.host() + ":" + e.port()
        + e.path().orElse("") + e.peer().exe().map(x -> " from " + x).orElse("");
  }

  /** The refusals so far, in the run report's shape. */
  List<Map<String, Object>> denied() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (EgressEvent.Denial d : denials.snapshot()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", d.host());
      m.put("port", d.port());
      m.put("method", d.method().orElse(null));
      m.put("path", d.path().orElse(null));
      m.put("binary", d.binary().orElse(null));
      m.put("reason", d.reason());
      out.add(m);
    }
    return out;
  }

  @Override
  public void close() {
    proxy.close();
    log.close();
  }
}
