package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.inference.Credentials;
import dev.nemoclaw.inference.GatewayConfig;
import dev.nemoclaw.inference.InferenceEvent;
import dev.nemoclaw.inference.InferenceGateway;
import dev.nemoclaw.inference.InferenceSnapshot;
import dev.nemoclaw.inference.PriceTable;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.spec.Inference;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The inference side of one run: the gateway behind {@code inference.local} (keys read on the
 * host, never in the sandbox), a log of its events in {@code runs/NAME/inference.jsonl}, a notice
 * per refusal and failover on the run's messages, privacy findings for the report.
 */
final class InferenceSession implements AutoCloseable {
  private final InferenceGateway gateway;
  private final EventLog log;
  private final PrintStream messages;
  private final Consumer<String> also;
  private final Consumer<InferenceEvent> audit;
  private final PrivacyFindings findings;

  private InferenceSession(Inference spec, PrivacyGuard privacy, PriceTable prices,
      HostDirs dirs, EventLog log, PrintStream messages, Consumer<String> also,
      PrivacyFindings findings, Consumer<InferenceEvent> audit) throws IOException {
    this.log = log;
    this.audit = audit;
    this.messages = messages;
    this.also = also;
    this.findings = findings;
    this.gateway = InferenceGateway.start(new GatewayConfig(spec, privacy,
        Credentials.host(dirs), prices, this::onEvent));
  }

  /**
   * @param also hears every event as its JSON line (the control socket's subscribers)
   * @throws IOException the price table override cannot be read, or the gateway cannot listen;
   *     the message names the file or the cause
   */
  static InferenceSession start(Inference spec, PrivacyGuard privacy, HostDirs dirs,
      Path logFile, PrintStream messages, Consumer<String> also, PrivacyFindings findings,
      Consumer<InferenceEvent> audit) throws IOException {
    PriceTable prices = PriceTable.load(dirs);
    EventLog log = EventLog.open(logFile, "inference", messages);
    try {
      return new InferenceSession(spec, privacy, prices, dirs, log, messages, also, findings,
          audit);
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
  }

  /** What the proxy needs to send inference.local here. */
  InternalService service() {
    return new InternalService(InferenceGateway.HOST, gateway.address(),
        gateway.secretHeaders());
  }

  InferenceSnapshot snapshot() {
    return gateway.snapshot();
  }

  /** For {@code status} and {@code stats}: usage and the health of each route. */
  ObjectNode status() {
    return gateway.snapshot().toJson();
  }

  private void onEvent(InferenceEvent e) {
    audit.accept(e);
    String line = e.toJsonLine();
    log.append(line);
    also.accept(line);
    switch (e) {
      case InferenceEvent.Refused r -> messages.println("nemoclaw: inference.local refused "
          + r.endpoint() + " (" + r.code() + "): " + r.message());
      case InferenceEvent.Failover f -> messages.println("nemoclaw: inference route " + f.from()
          + " failed (" + f.reason() + "); trying " + f.to());
      case InferenceEvent.PrivacyFinding p -> findings.add(p.scope().yaml(),
          p.route().orElse(InferenceGateway.HOST), p.action(), p.detectors());
      case InferenceEvent.Call c -> { }
    }
  }

  @Override
  public void close() {
    gateway.close();
    log.close();
  }
}
