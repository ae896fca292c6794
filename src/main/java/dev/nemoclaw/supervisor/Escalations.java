package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.Pending;
import dev.nemoclaw.approval.Resolution;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.sandbox.SandboxHandle;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.Values;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * {@code http://policy.local/v1/escalations}: the agent asks for more — a destination, more
 * memory/cpus/pids, or anything else in words — and the request joins the approval inbox. The
 * proxy forwards policy.local here (an {@link InternalService} with a per-run secret); the agent
 * long-polls {@code GET /v1/escalations/ID?wait=SECONDS} for the answer. Approved resources apply
 * at once to the running sandbox's cgroup; an approved destination is allowed for the rest of the
 * run (once: for one connection).
 */
final class Escalations implements AutoCloseable {
  static final String HOST = "policy.local";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 64 * 1024;

  private final String sandbox;
  private final Inbox inbox;
  private final Supplier<Optional<SandboxHandle>> handle;
  private final SandboxPlan.Resources initial;
  private final EscalatedEgress granted;
  private final String token;
  private final HttpServer server;
  private final AtomicInteger seq = new AtomicInteger();
  private final Map<String, CompletableFuture<Resolution>> asked = new ConcurrentHashMap<>();
  private volatile Optional<ToolsService> tools = Optional.empty();

  Escalations(String sandbox, Inbox inbox, Supplier<Optional<SandboxHandle>> handle,
      SandboxPlan.Resources initial, EscalatedEgress granted) throws IOException {
    this.sandbox = sandbox;
    this.inbox = inbox;
    this.handle = handle;
    this.initial = initial;
    this.granted = granted;
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::serve);
    server.start();
  }

  /** Serves {@code /v1/tools/*} with {@code governor} from now on. */
  void tools(ToolGovernor governor) {
    tools = Optional.of(new ToolsService(governor));
  }

  /** What the proxy needs to send policy.local here. */
  InternalService service() {
    return new InternalService(HOST, server.getAddress(), Map.of("X-Nemoclaw-Token", token));
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      if (!token.equals(ex.getRequestHeaders().getFirst("X-Nemoclaw-Token"))) {
        reply(ex, 403, error("forbidden", "only the sandbox's proxy may call this"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (path.equals("/v1/escalations") && ex.getRequestMethod().equals("POST")) {
        create(ex);
      } else if (path.startsWith("/v1/escalations/") && ex.getRequestMethod().equals("GET")) {
        poll(ex, path.substring("/v1/escalations/".length()));
      } else if (path.startsWith("/v1/tools/") && tools.isPresent()) {
        tools.get().serve(ex, path);
      } else {
        reply(ex, 404, error("not_found", "POST /v1/escalations, GET /v1/escalations/ID?wait=S,"
            + " POST /v1/tools/evaluate, POST /v1/tools/result"));
      }
    } catch (RuntimeException e) {
      reply(ex, 500, error("internal", e.toString()));
    }
  }

  private void create(HttpExchange ex) throws IOException {
    JsonNode body;
    try (InputStream in = ex.getRequestBody()) {
      byte[] raw = in.readNBytes(MAX_BODY + 1);
      if (raw.length > MAX_BODY) {
        reply(ex, 413, error("too_large", "at most 64 KiB"));
        return;
      }
      body = JSON.readTree(raw);
    } catch (IOException e) {
      reply(ex, 400, error("bad_request", "the body must be JSON: " + e.getMessage()));
      return;
    }
    ApprovalRequest request;
    try {
      request = request(body, ex);
    } catch (IllegalArgumentException e) {
      reply(ex, 400, error("bad_request", e.getMessage()));
      return;
    }
    CompletableFuture<Resolution> answer = inbox.submit(request).toCompletableFuture();
    String id = inbox.pending().stream().filter(p -> p.request().detail()
        .equals(request.detail())).map(Pending::id).findFirst()
        .orElseGet(() -> answer.getNow(null) == null ? "" : answer.join().approval().orElse(""));
    if (id.isEmpty()) {
      id = "e" + seq.get(); // decided at once (ci, or a standing grant)
    }
    asked.put(id, answer.thenApply(r -> {
      if (r.allowed()) {
        apply(body, r);
      }
      return r;
    }));
    ObjectNode n = JSON.createObjectNode().put("id", id).put("status", "pending")
        .put("poll", "http://" + HOST + "/v1/escalations/" + id + "?wait=30");
    reply(ex, 202, n);
  }

  private ApprovalRequest request(JsonNode b, HttpExchange ex) {
    String kind = b.path("kind").asText("");
    String reason = b.path("reason").asText("");
    String n = "escalation #" + seq.incrementAndGet() + ": ";
    Optional<String> exe = Optional.ofNullable(ex.getRequestHeaders()
        .getFirst("X-Nemoclaw-Peer-Exe"));
    OptionalLong pid = Optional.ofNullable(ex.getRequestHeaders().getFirst("X-Nemoclaw-Peer-Pid"))
        .map(p -> OptionalLong.of(Long.parseLong(p))).orElse(OptionalLong.empty());
    return switch (kind) {
      case "egress" -> {
        String host = b.path("host").asText("");
        int port = b.path("port").asInt(443);
        if (host.isEmpty()) {
          throw new IllegalArgumentException("egress needs host (and port, default 443)");
        }
        yield new ApprovalRequest(sandbox, ApprovalRequest.Kind.ESCALATION, host, port, exe, pid,
            Optional.empty(), Optional.empty(), n + "reach " + host + ":" + port + why(reason),
            false, ApprovalRequest.alwaysRule(host, port));
      }
      case "resources" -> {
        SandboxPlan.Resources want = resources(b);
        yield new ApprovalRequest(sandbox, ApprovalRequest.Kind.ESCALATION, HOST, 80, exe, pid,
            Optional.empty(), Optional.empty(), n + "resources memory=" + want.memoryBytes()
                + " pids=" + want.pids() + want.cpus().stream().mapToObj(c -> " cpus=" + c)
                .findFirst().orElse("") + why(reason), false, ApprovalRequest.alwaysRule(HOST, 80));
      }
      case "other" -> {
        if (reason.isBlank()) {
          throw new IllegalArgumentException("other needs a reason");
        }
        yield new ApprovalRequest(sandbox, ApprovalRequest.Kind.ESCALATION, HOST, 80, exe, pid,
            Optional.empty(), Optional.empty(), n + reason, false,
            ApprovalRequest.alwaysRule(HOST, 80));
      }
      default -> throw new IllegalArgumentException(
          "kind must be egress, resources or other, not '" + kind + "'");
    };
  }

  private SandboxPlan.Resources resources(JsonNode b) {
    long memory = b.hasNonNull("memory") ? Values.size(b.path("memory").asText())
        : initial.memoryBytes();
    int pids = b.hasNonNull("pids") ? b.path("pids").asInt() : initial.pids();
    OptionalDouble cpus = b.hasNonNull("cpus") ? OptionalDouble.of(b.path("cpus").asDouble())
        : initial.cpus();
    if (memory <= 0 || pids <= 0 || (cpus.isPresent() && cpus.getAsDouble() <= 0)) {
      throw new IllegalArgumentException("memory, pids and cpus must be positive");
    }
    if (!b.hasNonNull("memory") && !b.hasNonNull("pids") && !b.hasNonNull("cpus")) {
      throw new IllegalArgumentException("resources needs memory, cpus or pids");
    }
    return new SandboxPlan.Resources(memory, cpus, pids, initial.timeout());
  }

  private void apply(JsonNode b, Resolution r) {
    switch (b.path("kind").asText()) {
      case "egress" -> granted.grant(b.path("host").asText(), b.path("port").asInt(443),
          r.verdict().wire().equals("once"));
      case "resources" -> handle.get().ifPresent(h -> {
        try {
          h.setLimits(resources(b));
        } catch (IOException e) {
          throw new IllegalStateException("approved, but the new limits failed: "
              + e.getMessage(), e);
        }
      });
      default -> { }
    }
  }

  private void poll(HttpExchange ex, String id) throws IOException {
    CompletableFuture<Resolution> f = asked.get(id);
    if (f == null) {
      reply(ex, 404, error("unknown_escalation", "no escalation " + id));
      return;
    }
    long wait = 0;
    String q = ex.getRequestURI().getQuery();
    if (q != null && q.startsWith("wait=")) {
      try {
        wait = Math.min(120, Math.max(0, Long.parseLong(q.substring(5))));
      } catch (NumberFormatException e) {
        wait = 0;
      }
    }
    ObjectNode n = JSON.createObjectNode().put("id", id);
    try {
      Resolution r = f.get(wait, TimeUnit.SECONDS);
      n.put("status", r.allowed() ? "approved" : "denied").put("verdict", r.verdict().wire())
          .put("by", r.decider().user()).put("channel", r.decider().channel())
          .put("reason", r.reason());
    } catch (TimeoutException e) {
      n.put("status", "pending");
    } catch (java.util.concurrent.ExecutionException e) {
      n.put("status", "failed").put("reason", e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      n.put("status", "pending");
    }
    reply(ex, 200, n);
  }

  private static String why(String reason) {
    return reason.isBlank() ? "" : " — " + reason;
  }

  static ObjectNode error(String code, String message) {
    return JSON.createObjectNode().put("error", code).put("message", message);
  }

  static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

}
