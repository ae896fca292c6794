package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.approval.ApprovalJson;
import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.DecideResult;
import dev.nemoclaw.approval.Decider;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.InboxEvent;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.Verdict;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.egress.SsrfGuard;
import dev.nemoclaw.egress.UnknownHandler;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.ExplanationJson;
import dev.nemoclaw.sandbox.OutputChunk;
import dev.nemoclaw.sandbox.ResourceUsage;
import dev.nemoclaw.sandbox.SandboxHandle;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One running sandbox as its operators see it: what the control socket serves (status, the
 * approval inbox, decisions, stop, events) and how held egress reaches the inbox.
 */
final class Session implements ControlTarget {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOG_LINES = 500;

  private record Subscriber(List<String> topics, Consumer<ObjectNode> listener) {}

  private final String name;
  private final String backend;
  private final Instant startedAt = Instant.now();
  private final Inbox inbox;
  private final LivePolicy policy;
  private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ArrayDeque<String> log = new ArrayDeque<>();
  private final CompletableFuture<SandboxHandle> handle = new CompletableFuture<>();
  private final EscalatedEgress escalated = new EscalatedEgress();
  private volatile Supplier<Optional<ObjectNode>> inference = Optional::empty;

  private final PrintStream messages;

  Session(String name, String backend, Inbox inbox, LivePolicy policy, PrintStream messages) {
    this.name = name;
    this.backend = backend;
    this.inbox = inbox;
    this.policy = policy;
    this.messages = messages;
    inbox.listen(e -> {
      publish("approvals", ApprovalJson.toJson(e));
      if (e instanceof InboxEvent.New n) {
        Pending p = n.item();
        messages.println("nemoclaw: holding " + p.request().detail()
            + p.request().binary().map(b -> " from " + b).orElse("") + " until you decide: "
            + "`nemoclaw approvals approve " + p.id() + " [--scope session|always]`, `nemoclaw "
            + "approvals deny " + p.id() + "` or `nemoclaw term` (denied in "
            + inbox.approvalTimeout().toSeconds() + "s)");
      }
      publishLog(ApprovalJson.toJson(e).toString());
    });
  }

  Instant startedAt() {
    return startedAt;
  }

  EscalatedEgress escalated() {
    return escalated;
  }

  Optional<SandboxHandle> handle() {
    return Optional.ofNullable(handle.getNow(null));
  }

  /** The inference gateway's usage and route health, for {@code status} and {@code stats}. */
  void inference(Supplier<Optional<ObjectNode>> status) {
    this.inference = status;
  }

  void started(SandboxHandle h) {
    handle.complete(h);
  }

  /** Held egress goes to the inbox; its answer becomes the proxy's decision. */
  UnknownHandler unknownHandler() {
    return (request, unknown, peer) -> {
      if (escalated.take(request.host(), request.port())) {
        return CompletableFuture.completedFuture(new Decision.Allow("escalation "
            + request.host() + ":" + request.port(), "allowed by an approved escalation", false));
      }
      ApprovalRequest r = ApprovalRequest.egress(name, request,
          peer.pid().map(p -> OptionalLong.of(p.longValue())).orElse(OptionalLong.empty()),
          ssrfClass(request.host()));
      return inbox.submit(r).thenApply(res -> res.toDecision());
    };
  }

  /** An IP literal of a special-purpose range: decided only one by one, with a warning. */
  private static boolean ssrfClass(String host) {
    try {
      return SsrfGuard.whySpecial(InetAddress.ofLiteral(host)).isPresent();
    } catch (IllegalArgumentException e) {
      return false; // a name
    }
  }

  private volatile String refreshProblem = "";

  /**
   * Takes up what changed under the policy (a revision another process stored, an edited
   * agent.yaml or layer file) and says so; a broken edit is said once and changes nothing.
   */
  void refreshPolicy() {
    try {
      for (String line : policy.refresh()) {
        publishLog(line);
        messages.println("nemoclaw: " + line);
      }
      refreshProblem = "";
    } catch (IOException | PolicySource.Invalid e) {
      String problem = String.valueOf(e.getMessage());
      if (!problem.equals(refreshProblem)) {
        refreshProblem = problem;
        publishLog("policy reload failed, the policy in force stays: " + problem);
        messages.println("nemoclaw: policy reload failed, the policy in force stays:\n"
            + problem);
      }
    }
  }

  private void reloadQuietly() {
    try {
      policy.reload();
    } catch (IOException e) {
      publishLog("policy reload failed: " + e.getMessage());
    }
  }

  /** One egress event as its JSON line (made once, by the egress log). */
  void onEgress(String line) {
    publishLog(line);
    if (!wanted("egress")) {
      return; // the common case: nobody watches, so the proxy's path does not parse anything
    }
    try {
      ObjectNode n = (ObjectNode) JSON.readTree(line);
      n.put("event", "egress");
      publish("egress", n);
    } catch (IOException ignored) {
      // our own JSON: cannot fail
    }
  }

  /** One inference gateway event as its JSON line. */
  void onInference(String line) {
    publishLog(line);
    if (!wanted("inference")) {
      return;
    }
    try {
      ObjectNode n = (ObjectNode) JSON.readTree(line);
      n.put("kind", n.path("type").asText());
      n.put("event", "inference");
      publish("inference", n);
    } catch (IOException ignored) {
      // our own JSON: cannot fail
    }
  }

  private boolean wanted(String topic) {
    return subscribers.stream().anyMatch(s -> s.topics().contains(topic));
  }

  /**
   * One output stream's unfinished line, and the bytes of a UTF-8 sequence that a chunk boundary
   * split (decoded with the next chunk, not replaced).
   */
  private static final class Partial {
    final StringBuilder line = new StringBuilder();
    final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    ByteBuffer undecoded = ByteBuffer.allocate(0);

    void append(byte[] bytes) {
      ByteBuffer in = ByteBuffer.allocate(undecoded.remaining() + bytes.length)
          .put(undecoded).put(bytes).flip();
      CharBuffer out = CharBuffer.allocate(in.remaining()); // UTF-8: never more chars than bytes
      utf8.decode(in, out, false);
      line.append(out.flip());
      undecoded = in;
    }
  }

  private final Partial[] partial = {new Partial(), new Partial()};

  /** The agent's output, a line at a time, for {@code logs} and {@code output} subscribers. */
  void onOutput(OutputChunk c) {
    Partial p = partial[c.stderr() ? 1 : 0];
    synchronized (p) {
      p.append(c.bytes());
      StringBuilder b = p.line;
      int nl;
      while ((nl = b.indexOf("\n")) >= 0 || b.length() > 8192) {
        int end = nl >= 0 ? nl : 8192;
        String line = b.substring(0, end);
        b.delete(0, nl >= 0 ? nl + 1 : end);
        publishLog((c.stderr() ? "stderr: " : "") + line);
        publish("output", F.objectNode().put("event", "output")
            .put("stream", c.stderr() ? "stderr" : "stdout").put("text", line));
      }
    }
  }

  void publishStats() {
    if (!wanted("stats")) {
      return; // reading the cgroup every second for nobody is waste
    }
    ObjectNode n = stats();
    n.put("event", "stats");
    publish("stats", n);
  }

  void exited(int code) {
    ObjectNode n = F.objectNode().put("event", "exit").put("code", code);
    publishLog("exit " + code);
    publish("lifecycle", n);
  }

  private void publishLog(String line) {
    synchronized (log) {
      if (log.size() == LOG_LINES) {
        log.removeFirst();
      }
      log.addLast(line);
    }
  }

  private void publish(String topic, ObjectNode event) {
    for (Subscriber s : subscribers) {
      if (s.topics().contains(topic)) {
        try {
          s.listener().accept(event.deepCopy());
        } catch (RuntimeException ignored) {
          // a failing subscriber is the server's to drop
        }
      }
    }
  }

  private ObjectNode stats() {
    ResourceUsage u = handle.isDone() ? handle.join().usage() : ResourceUsage.unmeasured();
    ObjectNode n = F.objectNode();
    n.put("uptimeMs", Duration.between(startedAt, Instant.now()).toMillis());
    n.put("memoryBytes", u.peakMemoryBytes().orElse(0));
    n.put("cpuSeconds", u.cpuSeconds().orElse(0));
    n.put("pids", u.peakPids().orElse(0));
    inference.get().ifPresent(i -> n.set("inference", i));
    return n;
  }

  // ---------------------------------------------------------------- ControlTarget

  @Override
  public ObjectNode hello() {
    return F.objectNode().put("sandbox", name).put("version", 1)
        .put("pid", ProcessHandle.current().pid())
        .put("startedAt", startedAt.truncatedTo(ChronoUnit.SECONDS).toString())
        .put("backend", backend);
  }

  @Override
  public ObjectNode status() {
    ObjectNode n = F.objectNode().put("name", name).put("backend", backend)
        .put("pid", ProcessHandle.current().pid())
        .put("startedAt", startedAt.truncatedTo(ChronoUnit.SECONDS).toString());
    n.setAll(stats());
    n.put("pending", inbox.pending().size());
    return n;
  }

  @Override
  public List<ObjectNode> approvals() {
    return inbox.pending().stream().map(ApprovalJson::toJson).toList();
  }

  @Override
  public ObjectNode decide(String approval, String verdict, Duration ttl, int uses,
      String channel, String user) throws ControlError {
    Verdict v;
    try {
      v = Verdict.parse(verdict, Optional.ofNullable(ttl),
          uses > 0 ? OptionalInt.of(uses) : OptionalInt.empty());
    } catch (IllegalArgumentException e) {
      throw new ControlError("bad_request", e.getMessage(), F.objectNode());
    }
    DecideResult r = inbox.decide(approval, v, new Decider(user, channel, Instant.now()));
    return switch (r) {
      case DecideResult.Decided d -> {
        if (verdict.equals("always") || verdict.equals("deny-always")) {
          reloadQuietly(); // the new revision applies to the next request already
        }
        yield ApprovalJson.toJson(d);
      }
      case DecideResult.AlreadyDecided a -> throw new ControlError("already_decided",
          approval + " was already decided: " + a.verdict().wire() + " by " + a.decider().user()
              + " via " + a.decider().channel(), ApprovalJson.toJson(a));
      case DecideResult.NotFound nf -> throw new ControlError("unknown_approval",
          "no pending approval " + approval + " in " + name, F.objectNode());
      case DecideResult.PersistFailed pf -> throw new ControlError("persist_failed",
          "could not store the rule, so nothing was decided (" + approval + " is still pending): "
              + pf.cause().getMessage(),
          F.objectNode());
      case DecideResult.BulkRefused b -> throw new ControlError("bulk_refused",
          approval + " is an SSRF-class destination: decide it on its own", F.objectNode());
    };
  }

  @Override
  public ObjectNode explain(String host, int port, Optional<String> method, Optional<String> path,
      Optional<String> binary) {
    ObjectNode o = ExplanationJson.of(policy.explain(new EgressRequest(host, port, method, path,
        binary)));
    o.put("policyRevision", policy.revision());
    return o;
  }

  @Override
  public void stop(Duration grace) {
    handle.thenAccept(h -> Thread.ofVirtual().start(() -> {
      try {
        h.stop(grace);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
  }

  @Override
  public List<String> recentLog() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  @Override
  public AutoCloseable subscribe(List<String> topics, Consumer<ObjectNode> listener) {
    Subscriber s = new Subscriber(List.copyOf(topics), listener);
    subscribers.add(s);
    return () -> subscribers.remove(s);
  }
}
