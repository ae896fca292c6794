package dev.nemoclaw.supervisor;

import dev.nemoclaw.egress.Denials;
import dev.nemoclaw.egress.EgressEvent;
import dev.nemoclaw.egress.EgressProxy;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.egress.Peer;
import dev.nemoclaw.egress.UnknownHandler;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.sandbox.BridgedConnection;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The egress side of one run: the proxy the sandbox's bridge hands connections to, a log of every
 * decision (one JSON line each in {@code runs/NAME/egress.jsonl} under the state dir, until the
 * audit log takes over), a one-line notice per refusal on the run's messages, and the refusals for
 * {@code --report}.
 */
final class EgressSession implements AutoCloseable {
  private final EgressProxy proxy;
  private final Denials denials = new Denials();
  private final Optional<BufferedWriter> log;
  private final PrintStream messages;
  private final Consumer<String> also;

  private EgressSession(EgressPolicy policy, UnknownHandler unknown, Optional<BufferedWriter> log,
      PrintStream messages, Consumer<String> also, List<InternalService> internal,
      Optional<SandboxTls> tls) {
    this.log = log;
    this.messages = messages;
    this.also = also;
    EgressProxy.Builder b = EgressProxy.builder(policy).unknownHandler(unknown)
        .events(this::onEvent);
    internal.forEach(b::internal);
    tls.ifPresent(t -> b.sandboxCa(t.ca()).upstreamTrust(t.hostTrust()));
    this.proxy = b.start();
  }

  /**
   * @param unknown what happens to destinations no rule covers (the inbox, or refuse at once)
   * @param also hears every event as its JSON line (the control socket's subscribers)
   * @param tls the sandbox CA and host roots, when the run inspects TLS
   */
  static EgressSession start(EgressPolicy policy, UnknownHandler unknown, Path logFile,
      PrintStream messages, Consumer<String> also, List<InternalService> internal,
      Optional<SandboxTls> tls) {
    Optional<BufferedWriter> log;
    try {
      Files.createDirectories(logFile.getParent());
      log = Optional.of(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE));
    } catch (IOException e) {
      messages.println("nemoclaw: cannot write the egress log " + logFile + ": " + e.getMessage()
          + "; decisions are still enforced and refusals still reported");
      log = Optional.empty();
    }
    return new EgressSession(policy, unknown, log, messages, also, internal, tls);
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
    denials.accept(e);
    String line = e.toJsonLine(); // once, for the log and the control socket alike
    also.accept(line);
    switch (e) {
      case EgressEvent.Decided d when d.decision() == EgressEvent.Verdict.DENY ->
          messages.println("nemoclaw: egress denied: " + what(e) + " — " + d.reason() + " ["
              + d.rule() + "]");
      case EgressEvent.Screened s when s.action() == EgressEvent.Screening.BLOCKED ->
          messages.println("nemoclaw: egress blocked by privacy screening: " + what(e)
              + " — the body holds " + s.detectors());
      case EgressEvent.Ended end when end.outcome().equals("client_tls_failed") ->
          messages.println("nemoclaw: TLS inspection: " + what(e) + " did not complete the TLS"
              + " handshake with the sandbox CA's certificate (does the client trust"
              + " SSL_CERT_FILE or NODE_EXTRA_CA_CERTS?)");
      default -> { }
    }
    log.ifPresent(w -> {
      synchronized (w) {
        try {
          w.write(line);
          w.newLine();
          w.flush();
        } catch (IOException ignored) {
          // a full disk must not stop enforcement; the report still lists refusals
        }
      }
    });
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
    log.ifPresent(w -> {
      synchronized (w) {
        try {
          w.close();
        } catch (IOException ignored) {
          // nothing left to save
        }
      }
    });
  }
}
