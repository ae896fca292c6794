package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What the proxy did, one event per decision, one per finished exchange or tunnel, and one per
 * request body privacy screening found something in (or could not read). The sink
 * given to {@link EgressProxy} receives them from event-loop and virtual threads alike, so it must
 * be thread-safe and quick. {@link #toJsonLine()} field names are stable (the audit log and the
 * run report read them).
 */
public sealed interface EgressEvent {
  Instant time();

  Peer peer();

  String host();

  int port();

  /** HTTP method, for plain HTTP requests; empty for a CONNECT tunnel. */
  Optional<String> method();

  /** Request target path (and query), for plain HTTP requests. */
  Optional<String> path();

  String toJsonLine();

  /** allow or deny. */
  enum Verdict {
    ALLOW,
    DENY;

    public String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The decision on one CONNECT or one forwarded request: the policy's, or the proxy's own when
   * it refuses on top of the policy (a special-purpose address, a loop to itself).
   */
  record Decided(
      Instant time,
      Peer peer,
      String host,
      int port,
      Optional<String> method,
      Optional<String> path,
      Verdict decision,
      String rule,
      String reason)
      implements EgressEvent {

    /** The run report's view of a refusal; empty for an allowed request. */
    public Optional<Denial> denial() {
      return decision == Verdict.DENY
          ? Optional.of(new Denial(host, port, method, path, peer.exe(), reason))
          : Optional.empty();
    }

    @Override
    public String toJsonLine() {
      ObjectNode n = base(this, "decision");
      n.put("decision", decision.json());
      n.put("rule", rule);
      n.put("reason", reason);
      return n.toString();
    }
  }

  /**
   * The end of an allowed exchange (one forwarded request and its response) or tunnel (CONNECT or
   * upgraded WebSocket): bytes each way and how long it lasted. {@code outcome} is {@code ok}, or
   * what went wrong, for example {@code unresolvable}, {@code connect_timeout},
   * {@code connect_failed}, {@code origin_closed} (closed or reset by the origin before the
   * exchange was done), {@code client_closed}, {@code idle_timeout}, {@code request_timeout} (a
   * body collected for screening did not arrive within {@link ProxyLimits#bodyTimeout()}), or
   * the refusal or failure the proxy answered with ({@code bad_request},
   * {@code privacy_blocked}, ...). A request whose head never arrived in full has no destination
   * and so no event.
   */
  record Ended(
      Instant time,
      Peer peer,
      String host,
      int port,
      Optional<String> method,
      Optional<String> path,
      String outcome,
      long bytesUp,
      long bytesDown,
      long durationMs)
      implements EgressEvent {

    /** The end, now, of what started at {@code startNanos} ({@link System#nanoTime}). */
    static Ended since(long startNanos, Peer peer, Destination d, Optional<String> method,
        Optional<String> path, String outcome, long bytesUp, long bytesDown) {
      return new Ended(Instant.now(), peer, d.host(), d.port(), method, path, outcome, bytesUp,
          bytesDown, (System.nanoTime() - startNanos) / 1_000_000);
    }

    @Override
    public String toJsonLine() {
      ObjectNode n = base(this, "end");
      n.put("outcome", outcome);
      n.put("bytesUp", bytesUp);
      n.put("bytesDown", bytesDown);
      n.put("durationMs", durationMs);
      return n.toString();
    }
  }

  /** What privacy screening did with one request body. */
  enum Screening {
    /** Found something; {@code privacy.action: audit} sends the body unchanged. */
    AUDITED,
    /** Found something; the body went out with each finding replaced by a marker. */
    MASKED,
    /** Found something; the request was refused with 403 and nothing reached the origin. */
    BLOCKED,
    /** The proxy could not read the body (compressed, binary, not UTF-8) and sent it as it was. */
    UNSCANNED;

    public String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Privacy screening of one request body ({@code privacy.scope: egress}): how many findings each
   * detector made — never what they matched — and what the proxy did. {@code reason} says why
   * for {@link Screening#UNSCANNED} and is empty otherwise.
   */
  record Screened(
      Instant time,
      Peer peer,
      String host,
      int port,
      Optional<String> method,
      Optional<String> path,
      Map<String, Integer> detectors,
      Screening action,
      String reason)
      implements EgressEvent {

    public Screened {
      detectors = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(detectors));
    }

    /** A blocked body is a refusal like any other in the run report. */
    public Optional<Denial> denial() {
      return action == Screening.BLOCKED
          ? Optional.of(new Denial(host, port, method, path, peer.exe(),
              "privacy screening blocked the request body (" + String.join(", ",
                  detectors.keySet()) + ")"))
          : Optional.empty();
    }

    @Override
    public String toJsonLine() {
      ObjectNode n = base(this, "privacy");
      ObjectNode counts = n.putObject("detectors");
      detectors.forEach(counts::put);
      n.put("action", action.json());
      if (!reason.isEmpty()) {
        n.put("reason", reason);
      }
      return n.toString();
    }
  }

  /** One refused request, as the run report lists it. */
  record Denial(
      String host,
      int port,
      Optional<String> method,
      Optional<String> path,
      Optional<String> binary,
      String reason) {

    public String toJson() {
      ObjectNode n = Json.MAPPER.createObjectNode();
      n.put("host", host);
      n.put("port", port);
      n.put("method", method.orElse(null));
      n.put("path", path.orElse(null));
      n.put("binary", binary.orElse(null));
      n.put("reason", reason);
      return n.toString();
    }
  }

  private static ObjectNode base(EgressEvent e, String kind) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("time", e.time().toString());
    n.put("kind", kind);
    n.put("pid", e.peer().pid().orElse(null));
    n.put("exe", e.peer().exe().orElse(null));
    n.put("host", e.host());
    n.put("port", e.port());
    n.put("method", e.method().orElse(null));
    n.put("path", e.path().orElse(null));
    return n;
  }

  /** Jackson's mapper is thread-safe once configured; one for the package. */
  final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
  }
}
