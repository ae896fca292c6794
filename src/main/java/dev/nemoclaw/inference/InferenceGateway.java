package dev.nemoclaw.inference;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code http://inference.local}: the model endpoint of one run. It listens on a loopback port
 * of the supervisor; the egress proxy forwards requests for inference.local here with
 * {@link #secretHeaders()} added, and anything arriving without that secret is refused (403), so
 * only the proxy — never another local process — spends the run's keys. Keys are looked up per
 * request and injected here; the agent only ever holds a placeholder. See docs/inference.md.
 */
public final class InferenceGateway implements AutoCloseable {
  public static final String HOST = "inference.local";
  public static final String TOKEN_HEADER = "X-Nemoclaw-Token";

  private final GatewayConfig config;
  private final String token;
  private final byte[] tokenBytes;
  private final HttpServer server;
  private final ExecutorService threads;
  private volatile HttpClient http;
  private final ModelCalls calls;

  private InferenceGateway(GatewayConfig config) throws IOException {
    this.config = config;
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
    this.tokenBytes = token.getBytes(StandardCharsets.UTF_8);
    this.threads = Executors.newVirtualThreadPerTaskExecutor();
    this.calls = new ModelCalls(config, this::http);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        128);
    server.setExecutor(threads);
    server.createContext("/", this::serve);
  }

  /**
   * The client for providers, made on the first model call: building one sets up the JDK's TLS
   * (~250 ms of a cold JVM), which every proxy-mode run would pay at start, most for nothing.
   */
  private HttpClient http() {
    HttpClient h = http;
    if (h == null) {
      synchronized (this) {
        h = http;
        if (h == null) {
          // never follow redirects: a redirect would carry the key to wherever the provider points
          h = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10))
              .executor(threads).build();
          http = h;
        }
      }
    }
    return h;
  }

  /** Listens on 127.0.0.1 (an ephemeral port) until {@link #close()}. */
  public static InferenceGateway start(GatewayConfig config) throws IOException {
    InferenceGateway g = new InferenceGateway(config);
    g.server.start();
    return g;
  }

  /** Where the proxy forwards inference.local. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Headers the proxy adds to every request it forwards here. */
  public Map<String, String> secretHeaders() {
    return Map.of(TOKEN_HEADER, token);
  }

  /** Totals and route health now; cheap and thread-safe. */
  public InferenceSnapshot snapshot() {
    return calls.snapshot();
  }

  private void serve(HttpExchange ex) {
    try {
      String given = Optional.ofNullable(ex.getRequestHeaders().getFirst(TOKEN_HEADER)).orElse("");
      if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), tokenBytes)) {
        Replies.error(ex, GatewayError.of(403, "forbidden", "only the sandbox's egress proxy may "
            + "call the inference gateway", "use http://" + HOST + "/v1 from inside the sandbox")
            .notRetryable());
        return;
      }
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      Optional<Endpoint> endpoint = Endpoint.of(path);
      if (endpoint.isPresent() && method.equals("POST")) {
        calls.handle(ex, endpoint.get());
      } else if ((path.equals("/v1/models") || path.equals("/v1/models/"))
          && method.equals("GET")) {
        Replies.json(ex, 200, models());
      } else {
        Replies.error(ex, GatewayError.of(404, "not_found", "inference.local has no " + method
            + " " + path, "use GET /v1/models, or POST /v1/chat/completions, /v1/completions, "
            + "/v1/responses, /v1/embeddings, /v1/messages").notRetryable());
      }
    } catch (IOException e) {
      // the agent went away; the call event, if any, was emitted where the facts were
    } catch (RuntimeException e) {
      internalError(ex, e);
    } finally {
      ex.close();
    }
  }

  /** A bug: the agent gets a 500 if nothing was sent yet, and the run's events say what broke. */
  private void internalError(HttpExchange ex, RuntimeException e) {
    String path = ex.getRequestURI().getPath();
    calls.emit(new InferenceEvent.Refused(config.tuning().clock().instant(), path, "internal",
        500, Optional.empty(), e.toString(), Optional.empty()));
    if (ex.getResponseCode() == -1) {
      try {
        Replies.error(ex, GatewayError.of(500, "internal", "the inference gateway failed: " + e,
            "report this as a nemoclaw bug"));
      } catch (IOException | RuntimeException ignored) {
        // the agent is gone too
      }
    }
  }

  /**
   * The routes as models, both by route name and by model name (either may be sent as
   * {@code model}); OpenAI's list shape with Anthropic's fields added, so both SDKs read it.
   */
  private ObjectNode models() {
    ObjectNode n = Json.object().put("object", "list");
    ArrayNode data = n.putArray("data");
    Set<String> ids = new LinkedHashSet<>();
    for (RouteState r : calls.routes()) {
      for (String id : new String[] {r.name(), r.route.model()}) {
        if (ids.add(id)) {
          data.addObject().put("id", id).put("object", "model").put("type", "model")
              .put("created", 0).put("created_at", "1970-01-01T00:00:00Z")
              .put("owned_by", "nemoclaw:" + r.provider()).put("display_name", id)
              .put("route", r.name());
        }
      }
    }
    n.put("has_more", false);
    if (!ids.isEmpty()) {
      n.put("first_id", ids.iterator().next()).put("last_id", ids.toArray(String[]::new)[
          ids.size() - 1]);
    }
    return n;
  }

  @Override
  public void close() {
    server.stop(0);
    HttpClient h = http;
    if (h != null) {
      h.shutdownNow();
    }
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "InferenceGateway[" + address() + ", " + config.spec().routes().size() + " routes]";
  }
}
