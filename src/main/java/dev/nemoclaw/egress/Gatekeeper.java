package dev.nemoclaw.egress;

import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Everything between "a client asked for host:port" and "connect to this address": the policy,
 * the unknown-destination hook, name resolution, the SSRF guard and the loop guard. Runs on
 * virtual threads; the event loops only see the {@link Outcome}.
 */
final class Gatekeeper {
  /** What to do with one request. */
  sealed interface Outcome {
    /** Connect to the first of these addresses that accepts (each one checked). */
    record Go(List<InetAddress> addresses, String rule, int port, boolean internal)
        implements Outcome {
      Go(List<InetAddress> addresses, String rule, int port) {
        this(addresses, rule, port, false);
      }
    }

    /**
     * A CONNECT the proxy answers itself: 200, then it reads the HTTP requests inside and decides
     * each again, with its method and path; a client that starts TLS is answered with
     * {@code tls}, when present. For an inspected tunnel ({@code inspect: true}) and for an
     * internal service.
     */
    record Terminate(String rule, Optional<SslContext> tls) implements Outcome {}

    /** 403 with the contract's body. */
    record Refuse(String rule, String reason, String hint) implements Outcome {}

    /** The host name does not resolve: 502. */
    record Unresolvable(String rule, String reason) implements Outcome {}
  }

  private final EgressPolicy policy;
  private final UnknownHandler unknown;
  private final Resolver resolver;
  private final Consumer<EgressEvent> sink;
  private final ExecutorService blocking;
  private final Set<InetSocketAddress> self = new CopyOnWriteArraySet<>();
  private final Map<String, InternalService> internal;
  private final Optional<SandboxCa> ca;

  Gatekeeper(
      EgressPolicy policy,
      UnknownHandler unknown,
      Resolver resolver,
      Consumer<EgressEvent> sink,
      ExecutorService blocking,
      Map<String, InternalService> internal,
      Optional<SandboxCa> ca) {
    this.internal = Map.copyOf(internal);
    this.ca = ca;
    this.policy = policy;
    this.unknown = unknown;
    this.resolver = resolver;
    this.sink = sink;
    this.blocking = blocking;
  }

  /** Sets what an internal service is told: its secret headers and who the client is. */
  void internalHeaders(String host, Peer peer, io.netty.handler.codec.http.HttpHeaders h) {
    List<String> forged = new ArrayList<>();
    for (String name : h.names()) {
      if (name.regionMatches(true, 0, "x-nemoclaw-", 0, 11)) {
        forged.add(name);
      }
    }
    forged.forEach(h::remove);
    InternalService s = internal.get(host);
    if (s != null) {
      s.headers().forEach(h::set);
    }
    peer.pid().ifPresent(p -> h.set("X-Nemoclaw-Peer-Pid", p));
    peer.exe().ifPresent(x -> h.set("X-Nemoclaw-Peer-Exe", x));
  }

  void addSelf(InetSocketAddress bound) {
    self.add(bound);
  }

  void emit(EgressEvent e) {
    try {
      sink.accept(e);
    } catch (RuntimeException ignored) {
      // a failing sink must not take the proxy down; the sink owner logs its own failures
    }
  }

  /**
   * Decides one request, or a CONNECT when {@code method} is empty. {@code reuse}: an open origin
   * connection to this very destination can carry it, so there is nothing to resolve. Emits the
   * {@link EgressEvent.Decided} event.
   */
  CompletionStage<Outcome> decide(
      Destination d, Optional<String> method, Optional<String> path, Peer peer, boolean reuse) {
    InternalService service = internal.get(d.host());
    CompletableFuture<Outcome> outcome;
    Optional<Decision.Deny> lockdown = policy.lockdown();
    if (lockdown.isPresent()) {
      outcome = CompletableFuture.completedFuture(afterPolicy(d, method.isEmpty(),
          lockdown.get(), reuse));
    } else if (service != null) {
      outcome = method.isPresent()
          ? CompletableFuture.completedFuture(new Outcome.Go(
              List.of(service.target().getAddress()), "nemoclaw " + d.host(),
              service.target().getPort(), true))
          : CompletableFuture.supplyAsync(() -> connectInternal(d), blocking);
    } else {
      EgressRequest request = new EgressRequest(d.host(), d.port(), method, path, peer.exe());
      outcome = CompletableFuture.supplyAsync(() -> policy.decide(request), blocking)
          .thenCompose(decision -> decision instanceof Decision.Unknown u
              ? unknown.onUnknown(request, u, peer).thenApply(this::unlessLockedDown)
              : CompletableFuture.completedFuture(decision))
          .thenApplyAsync(decision -> afterPolicy(d, method.isEmpty(), decision, reuse),
              blocking);
    }
    return outcome
        .exceptionally(e -> new Outcome.Refuse(
            "error", "the proxy could not decide: " + rootMessage(e),
            "this is a nemoclaw bug; the request was refused to stay safe"))
        .thenApply(o -> {
          record(d, method, path, peer, o);
          return o;
        });
  }

  /**
   * CONNECT to a name the supervisor serves: port 80 carries plain HTTP (Node's HTTP client
   * tunnels even http:// URLs), 443 TLS the proxy terminates with the sandbox CA's leaf for the
   * name, when this run has a CA.
   */
  private Outcome connectInternal(Destination d) {
    String plain = "use http://" + d.host() + "/... (the proxy variables already send it here)";
    if (d.port() != 80 && d.port() != 443) {
      return new Outcome.Refuse("nemoclaw-internal", d.host() + " is served on port 80 (and 443"
          + " with TLS inspection) only, not " + d.port(), plain);
    }
    if (d.port() == 443 && ca.isEmpty()) {
      return new Outcome.Refuse("nemoclaw-internal", d.host() + " speaks plain HTTP only: HTTPS"
          + " to it needs the sandbox CA, which a run has only when an allow rule has"
          + " inspect: true", plain);
    }
    return new Outcome.Terminate("nemoclaw " + d.host(),
        ca.map(c -> c.serverContext(d.host())));
  }

  /**
   * An operator's decision on a held request, unless the audit log failed while it was held:
   * nothing leaves unrecorded, however it was approved.
   */
  private Decision unlessLockedDown(Decision decided) {
    return policy.lockdown().<Decision>map(deny -> deny).orElse(decided);
  }

  private Outcome afterPolicy(Destination d, boolean tunnel, Decision decision, boolean reuse) {
    switch (decision) {
      case Decision.Deny deny -> {
        return new Outcome.Refuse(deny.rule(), deny.reason(), deny.hint());
      }
      case Decision.Unknown u -> {
        return new Outcome.Refuse(
            u.rule(),
            u.reason().isBlank() ? "no rule in the network policy covers " + d.authority()
                : u.reason(),
            u.hint());
      }
      case Decision.Allow allow when tunnel && allow.inspect() -> {
        // nothing to resolve yet: each request inside is decided, and connected, on its own
        return ca.<Outcome>map(c -> new Outcome.Terminate(allow.rule(),
                Optional.of(c.serverContext(d.host()))))
            .orElseGet(() -> new Outcome.Refuse(allow.rule(), allow.rule() + " asks for TLS"
                + " inspection of " + d.authority() + ", but this run has no sandbox CA (it is"
                + " made at start when a rule in force then has inspect: true), so the tunnel,"
                + " whose requests could not be checked, is refused",
                "restart the run so the sandbox CA is made and trusted inside"));
      }
      case Decision.Allow allow -> {
        if (reuse) {
          return new Outcome.Go(List.of(), allow.rule(), d.port());
        }
        List<InetAddress> candidates;
        if (d.address().isPresent()) {
          candidates = List.of(d.address().get());
        } else {
          try {
            candidates = resolver.resolve(d.host());
          } catch (UnknownHostException e) {
            return new Outcome.Unresolvable(allow.rule(),
                d.host() + " could not be resolved (no such host, or the host's DNS failed)");
          }
          if (candidates.isEmpty()) {
            return new Outcome.Unresolvable(allow.rule(), d.host() + " resolved to no address");
          }
        }
        return check(d, candidates, allow.rule());
      }
    }
  }

  /** The SSRF and loop guards: drop addresses the sandbox may not reach this way. */
  private Outcome check(Destination d, List<InetAddress> candidates, String rule) {
    List<InetAddress> kept = new ArrayList<>();
    Outcome.Refuse first = null;
    for (InetAddress a : candidates) {
      String text = Destination.canonical(a);
      if (isSelf(a, d.port())) {
        if (first == null) {
          first = new Outcome.Refuse("proxy-loop",
              d.authority() + " is the egress proxy itself; a request through it to itself "
                  + "would loop",
              "send the request to its real destination");
        }
        continue;
      }
      Optional<String> why = SsrfGuard.whySpecial(a);
      if (why.isPresent() && !policy.namesAddress(a, d.port())) {
        if (first == null) {
          String what = d.address().isPresent()
              ? d.host() + " is " + why.get()
              : d.host() + " resolves to " + why.get() + " (" + text + ")";
          first = new Outcome.Refuse("ssrf-guard",
              what + "; such addresses are reachable only through a rule that names the address",
              "if this is intended, allow the address itself: network.allow: [{host: \""
                  + text + "\", ports: [" + d.port() + "]}]");
        }
        continue;
      }
      // never hand the connector a name: it would resolve again and could get another answer
      kept.add(a);
    }
    return kept.isEmpty() ? first : new Outcome.Go(List.copyOf(kept), rule, d.port());
  }

  private boolean isSelf(InetAddress a, int port) {
    for (InetSocketAddress s : self) {
      if (s.getPort() != port) {
        continue;
      }
      InetAddress bound = s.getAddress();
      if (bound.equals(a)) {
        return true;
      }
      if (bound.isAnyLocalAddress() || bound.isLoopbackAddress()) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
          return true;
        }
        if (bound.isAnyLocalAddress()) {
          try {
            if (NetworkInterface.getByInetAddress(a) != null) {
              return true;
            }
          } catch (SocketException e) {
            return true; // cannot tell: refusing is the safe side
          }
        }
      }
    }
    return false;
  }

  private void record(
      Destination d, Optional<String> method, Optional<String> path, Peer peer, Outcome o) {
    EgressEvent.Decided e = switch (o) {
      case Outcome.Go go -> new EgressEvent.Decided(Instant.now(), peer, d.host(), d.port(),
          method, path, EgressEvent.Verdict.ALLOW, go.rule(), "allowed by " + go.rule());
      case Outcome.Terminate t -> new EgressEvent.Decided(Instant.now(), peer, d.host(),
          d.port(), method, path, EgressEvent.Verdict.ALLOW, t.rule(), "allowed by " + t.rule()
              + (t.tls().isPresent() ? "; inspected: each request inside is decided on its own"
                  : "; each request inside is decided on its own"));
      case Outcome.Refuse r -> new EgressEvent.Decided(Instant.now(), peer, d.host(), d.port(),
          method, path, EgressEvent.Verdict.DENY, r.rule(), r.reason());
      case Outcome.Unresolvable u -> new EgressEvent.Decided(Instant.now(), peer, d.host(),
          d.port(), method, path, EgressEvent.Verdict.ALLOW, u.rule(), u.reason());
    };
    emit(e);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
