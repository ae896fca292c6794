package dev.nemoclaw.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A fake OpenAI- and Anthropic-compatible model server: deterministic answers ({@code fake answer
 * to: <last user message>}), realistic {@code usage}, SSE streams with the providers' event shapes.
 * JDK only, one file, so it runs without a build:
 *
 * <pre>java tests/fake-model/dev/nemoclaw/fake/FakeModel.java --port 0 [--key K] [--fail-status 500]
 *     [--delay-ms N] [--chunk-delay-ms N]</pre>
 *
 * It prints {@code listening on http://127.0.0.1:PORT} and serves until killed. Unit tests start it
 * in-process with {@link #start}. Every request (but {@code /_fake/*}) is recorded and listed at
 * {@code GET /_fake/requests}; {@code POST /_fake/behaviour} with {@code {"status":500}},
 * {@code {"delayMs":3000}} (before the response headers), {@code {"chunkDelayMs":200}} (between
 * stream events), {@code {"usage":false}}, {@code {"answer":"text"}} or {@code {}} (reset) changes
 * how it answers from then on.
 *
 * <p><b>Scripted turns</b> ({@code POST /_fake/script}, {@code --script FILE} or {@link #script}):
 * a list of steps, each answering one chat completion in order; a step is
 * {@code {"tool":"exec","arguments":{"command":"..."}}} (an OpenAI tool call, {@code finish_reason}
 * {@code tool_calls}) or {@code {"answer":"text"}}. Once the script is used up, answers are normal
 * again. That is how an agent such as OpenClaw is made to run commands a test chose.
 */
public final class FakeModel implements AutoCloseable {

  /** How the server answers; {@code status} 0 means normally. */
  public record Behaviour(int status, long delayMs, long chunkDelayMs, boolean usage,
      Optional<String> answer) {
    public static final Behaviour NORMAL = new Behaviour(0, 0, 0, true, Optional.empty());

    public Behaviour withStatus(int s) {
      return new Behaviour(s, delayMs, chunkDelayMs, usage, answer);
    }

    public Behaviour withDelayMs(long d) {
      return new Behaviour(status, d, chunkDelayMs, usage, answer);
    }

    public Behaviour withChunkDelayMs(long d) {
      return new Behaviour(status, delayMs, d, usage, answer);
    }

    public Behaviour withUsage(boolean u) {
      return new Behaviour(status, delayMs, chunkDelayMs, u, answer);
    }

    public Behaviour withAnswer(String a) {
      return new Behaviour(status, delayMs, chunkDelayMs, usage, Optional.of(a));
    }

    static Behaviour fromJson(Map<?, ?> m) {
      Behaviour b = NORMAL;
      if (m.get("status") instanceof Number n) {
        b = b.withStatus(n.intValue());
      }
      if (m.get("delayMs") instanceof Number n) {
        b = b.withDelayMs(n.longValue());
      }
      if (m.get("chunkDelayMs") instanceof Number n) {
        b = b.withChunkDelayMs(n.longValue());
      }
      if (m.get("usage") instanceof Boolean u) {
        b = b.withUsage(u);
      }
      if (m.get("answer") instanceof String a) {
        b = b.withAnswer(a);
      }
      return b;
    }
  }

  /** One request as it arrived; header names in lower case. */
  public record Request(String method, String path, Map<String, List<String>> headers,
      String body) {
    public Optional<String> header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }
  }

  private final HttpServer server;
  private final Optional<String> key;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Behaviour behaviour;
  private final java.util.Deque<Step> script = new java.util.concurrent.ConcurrentLinkedDeque<>();

  /** One scripted answer: a tool call (name and JSON arguments) or a text. */
  public record Step(Optional<String> tool, Map<String, Object> arguments, String answer) {
    public static Step toolCall(String tool, Map<String, Object> arguments) {
      return new Step(Optional.of(tool), arguments, "");
    }

    public static Step text(String answer) {
      return new Step(Optional.empty(), Map.of(), answer);
    }

    @SuppressWarnings("unchecked")
    static Step fromJson(Object o) {
      if (o instanceof Map<?, ?> m && m.get("tool") instanceof String t) {
        return toolCall(t, m.get("arguments") instanceof Map<?, ?> a
            ? (Map<String, Object>) a : Map.of());
      }
      if (o instanceof Map<?, ?> m && m.get("answer") instanceof String a) {
        return text(a);
      }
      throw new IllegalArgumentException("a step is {\"tool\":NAME,\"arguments\":{...}} or "
          + "{\"answer\":TEXT}, not " + json(o));
    }
  }

  private FakeModel(HttpServer server, Optional<String> key, Behaviour behaviour) {
    this.server = server;
    this.key = key;
    this.behaviour = behaviour;
  }

  public static FakeModel start(int port, Optional<String> key) throws IOException {
    return start(port, key, Behaviour.NORMAL);
  }

  public static FakeModel start(int port, Optional<String> key, Behaviour behaviour)
      throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
        64);
    FakeModel f = new FakeModel(s, key, behaviour);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext("/", f::serve);
    s.start();
    return f;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:PORT/v1}, an OpenAI-style base URL. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port() + "/v1");
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public void behave(Behaviour b) {
    behaviour = b;
  }

  /** Replaces the script: the next chat completions answer with these steps, in order. */
  public void script(List<Step> steps) {
    script.clear();
    script.addAll(steps);
  }

  /** Steps not yet used. */
  public int scriptLeft() {
    return script.size();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  public static void main(String[] args) throws Exception {
    int port = 0;
    Optional<String> key = Optional.empty();
    Behaviour b = Behaviour.NORMAL;
    String steps = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(v);
        case "--key" -> key = Optional.of(v);
        case "--fail-status" -> b = b.withStatus(Integer.parseInt(v));
        case "--delay-ms" -> b = b.withDelayMs(Long.parseLong(v));
        case "--chunk-delay-ms" -> b = b.withChunkDelayMs(Long.parseLong(v));
        case "--script" -> steps = java.nio.file.Files.readString(java.nio.file.Path.of(v));
        default -> {
          System.err.println("usage: FakeModel [--port N] [--key K] [--fail-status S] "
              + "[--delay-ms N] [--chunk-delay-ms N] [--script FILE.json]");
          System.exit(2);
        }
      }
    }
    FakeModel f = start(port, key, b);
    if (steps != null) {
      f.script(parseScript(steps));
    }
    System.out.println("listening on http://127.0.0.1:" + f.port());
    System.out.flush();
    new CountDownLatch(1).await();
  }

  // ---- serving ----

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (path.startsWith("/_fake/")) {
        control(ex, path, body);
        return;
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT),
          List.copyOf(v)));
      requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), headers,
          body));
      Behaviour b = behaviour;
      if (!authorized(ex, path)) {
        send(ex, 401, error("fake: bad key", "invalid_request_error"));
        return;
      }
      sleep(b.delayMs());
      if (b.status() != 0) {
        if (b.status() == 429) {
          ex.getResponseHeaders().set("Retry-After", "1");
        }
        send(ex, b.status(), error("fake failure " + b.status(), "server_error"));
        return;
      }
      if (path.equals("/v1/models") && ex.getRequestMethod().equals("GET")) {
        send(ex, 200, obj("object", "list", "data", List.of(obj("id", "fake-model", "object",
            "model", "created", 0, "owned_by", "fake"))));
        return;
      }
      Map<?, ?> req = body.isBlank() ? Map.of() : (Map<?, ?>) parse(body);
      String model = String.valueOf(req.get("model"));
      String answer = b.answer().orElse("fake answer to: " + lastUserText(req));
      boolean stream = Boolean.TRUE.equals(req.get("stream"));
      Usage u = new Usage(Math.max(1, (promptChars(req) + 3) / 4), words(answer).size());
      switch (path) {
        case "/v1/chat/completions" -> {
          Step step = script.poll();
          if (step != null && step.tool().isPresent()) {
            toolCall(ex, req, model, step, stream, u, b);
          } else {
            chat(ex, req, model, step != null ? step.answer() : answer, stream, u, b);
          }
        }
        case "/v1/completions" -> completions(ex, req, model, answer, stream, u, b);
        case "/v1/responses" -> responses(ex, model, answer, stream, u, b);
        case "/v1/messages" -> messages(ex, model, answer, stream, u, b);
        case "/v1/embeddings" -> embeddings(ex, model, u, b);
        default -> send(ex, 404, error("fake: no " + path, "invalid_request_error"));
      }
    } catch (IOException | RuntimeException e) {
      // the client went away (a timed-out gateway, a test that stopped reading): nothing to do
    }
  }

  private void control(HttpExchange ex, String path, String body) throws IOException {
    if (path.equals("/_fake/requests")) {
      List<Object> out = new ArrayList<>();
      for (Request r : requests) {
        out.add(obj("method", r.method(), "path", r.path(), "headers", r.headers(), "body",
            r.body()));
      }
      send(ex, 200, out);
    } else if (path.equals("/_fake/behaviour") && ex.getRequestMethod().equals("POST")) {
      behaviour = Behaviour.fromJson(body.isBlank() ? Map.of() : (Map<?, ?>) parse(body));
      send(ex, 200, obj("ok", true));
    } else if (path.equals("/_fake/script") && ex.getRequestMethod().equals("POST")) {
      List<Step> steps;
      try {
        steps = parseScript(body);
      } catch (RuntimeException e) {
        send(ex, 400, error("fake: " + e.getMessage(), "invalid_request_error"));
        return;
      }
      script(steps);
      send(ex, 200, obj("ok", true, "steps", steps.size()));
    } else {
      send(ex, 404, error("fake: GET /_fake/requests, POST /_fake/behaviour or /_fake/script",
          "not_found"));
    }
  }

  static List<Step> parseScript(String body) {
    if (!(parse(body) instanceof List<?> list)) {
      throw new IllegalArgumentException("a script is a JSON list of steps");
    }
    List<Step> steps = new ArrayList<>();
    for (Object o : list) {
      steps.add(Step.fromJson(o));
    }
    return steps;
  }

  private boolean authorized(HttpExchange ex, String path) {
    if (key.isEmpty()) {
      return true;
    }
    return path.equals("/v1/messages")
        ? key.get().equals(ex.getRequestHeaders().getFirst("x-api-key"))
        : ("Bearer " + key.get()).equals(ex.getRequestHeaders().getFirst("Authorization"));
  }

  private record Usage(int prompt, int completion) {}

  private void chat(HttpExchange ex, Map<?, ?> req, String model, String answer, boolean stream,
      Usage u, Behaviour b) throws IOException {
    Map<String, Object> usage = obj("prompt_tokens", u.prompt(), "completion_tokens",
        u.completion(), "total_tokens", u.prompt() + u.completion());
    if (!stream) {
      Map<String, Object> r = obj("id", "chatcmpl-fake", "object", "chat.completion", "created", 0,
          "model", model, "choices", List.of(obj("index", 0, "message", obj("role", "assistant",
              "content", answer), "finish_reason", "stop")));
      if (b.usage()) {
        r.put("usage", usage);
      }
      send(ex, 200, r);
      return;
    }
    List<String> events = new ArrayList<>();
    events.add(chatChunk(model, obj("role", "assistant", "content", ""), null));
    for (String w : words(answer)) {
      events.add(chatChunk(model, obj("content", w), null));
    }
    events.add(chatChunk(model, obj(), "stop"));
    endStream(ex, req, events, obj("id", "chatcmpl-fake", "object", "chat.completion.chunk",
        "created", 0, "model", model, "choices", List.of(), "usage", usage), b);
  }

  /** A step's tool call, as OpenAI sends it: in one message, or streamed name then arguments. */
  private void toolCall(HttpExchange ex, Map<?, ?> req, String model, Step step, boolean stream,
      Usage u, Behaviour b) throws IOException {
    String id = "call_fake_" + requests.size();
    String args = json(step.arguments());
    Map<String, Object> usage = obj("prompt_tokens", u.prompt(), "completion_tokens", 10,
        "total_tokens", u.prompt() + 10);
    if (!stream) {
      Map<String, Object> message = obj("role", "assistant", "content", null, "tool_calls",
          List.of(obj("id", id, "type", "function", "function", obj("name", step.tool().get(),
              "arguments", args))));
      Map<String, Object> r = obj("id", "chatcmpl-fake", "object", "chat.completion", "created", 0,
          "model", model, "choices", List.of(obj("index", 0, "message", message, "finish_reason",
              "tool_calls")));
      if (b.usage()) {
        r.put("usage", usage);
      }
      send(ex, 200, r);
      return;
    }
    List<String> events = new ArrayList<>();
    events.add(chatChunk(model, obj("role", "assistant", "content", null, "tool_calls",
        List.of(obj("index", 0, "id", id, "type", "function", "function", obj("name",
            step.tool().get(), "arguments", "")))), null));
    events.add(chatChunk(model, obj("tool_calls", List.of(obj("index", 0, "function",
        obj("arguments", args)))), null));
    events.add(chatChunk(model, obj(), "tool_calls"));
    endStream(ex, req, events, obj("id", "chatcmpl-fake", "object", "chat.completion.chunk",
        "created", 0, "model", model, "choices", List.of(), "usage", usage), b);
  }

  /** Ends an OpenAI stream: the usage chunk if the client asked for it, then [DONE]. */
  private static void endStream(HttpExchange ex, Map<?, ?> req, List<String> events,
      Map<String, Object> usageChunk, Behaviour b) throws IOException {
    if (b.usage() && req.get("stream_options") instanceof Map<?, ?> so
        && Boolean.TRUE.equals(so.get("include_usage"))) {
      events.add("data: " + json(usageChunk) + "\n\n");
    }
    events.add("data: [DONE]\n\n");
    sse(ex, events, b);
  }

  private static String chatChunk(String model, Map<String, Object> delta, String finish) {
    Map<String, Object> choice = obj("index", 0, "delta", delta);
    choice.put("finish_reason", finish);
    return "data: " + json(obj("id", "chatcmpl-fake", "object", "chat.completion.chunk", "created",
        0, "model", model, "choices", List.of(choice))) + "\n\n";
  }

  private void completions(HttpExchange ex, Map<?, ?> req, String model, String answer,
      boolean stream, Usage u, Behaviour b) throws IOException {
    Map<String, Object> usage = obj("prompt_tokens", u.prompt(), "completion_tokens",
        u.completion(), "total_tokens", u.prompt() + u.completion());
    if (!stream) {
      Map<String, Object> r = obj("id", "cmpl-fake", "object", "text_completion", "created", 0,
          "model", model, "choices", List.of(obj("index", 0, "text", answer, "finish_reason",
              "stop")));
      if (b.usage()) {
        r.put("usage", usage);
      }
      send(ex, 200, r);
      return;
    }
    List<String> events = new ArrayList<>();
    for (String w : words(answer)) {
      events.add("data: " + json(obj("id", "cmpl-fake", "object", "text_completion", "model",
          model, "choices", List.of(obj("index", 0, "text", w)))) + "\n\n");
    }
    endStream(ex, req, events, obj("id", "cmpl-fake", "object", "text_completion", "model",
        model, "choices", List.of(), "usage", usage), b);
  }

  private void responses(HttpExchange ex, String model, String answer, boolean stream, Usage u,
      Behaviour b) throws IOException {
    Map<String, Object> done = obj("id", "resp_fake", "object", "response", "status", "completed",
        "model", model, "output", List.of(obj("type", "message", "id", "msg_fake", "role",
            "assistant", "status", "completed", "content", List.of(obj("type", "output_text",
                "text", answer, "annotations", List.of())))));
    if (b.usage()) {
      done.put("usage", obj("input_tokens", u.prompt(), "output_tokens", u.completion(),
          "total_tokens", u.prompt() + u.completion()));
    }
    if (!stream) {
      send(ex, 200, done);
      return;
    }
    List<String> events = new ArrayList<>();
    events.add(named("response.created", obj("type", "response.created", "response",
        obj("id", "resp_fake", "object", "response", "status", "in_progress", "model", model))));
    for (String w : words(answer)) {
      events.add(named("response.output_text.delta", obj("type", "response.output_text.delta",
          "output_index", 0, "content_index", 0, "delta", w)));
    }
    events.add(named("response.completed", obj("type", "response.completed", "response", done)));
    sse(ex, events, b);
  }

  private void messages(HttpExchange ex, String model, String answer, boolean stream, Usage u,
      Behaviour b) throws IOException {
    if (!stream) {
      Map<String, Object> r = obj("id", "msg_fake", "type", "message", "role", "assistant",
          "model", model, "content", List.of(obj("type", "text", "text", answer)), "stop_reason",
          "end_turn");
      if (b.usage()) {
        r.put("usage", obj("input_tokens", u.prompt(), "output_tokens", u.completion()));
      }
      send(ex, 200, r);
      return;
    }
    Map<String, Object> start = obj("id", "msg_fake", "type", "message", "role", "assistant",
        "model", model, "content", List.of());
    Map<String, Object> delta = obj("type", "message_delta", "delta", obj("stop_reason",
        "end_turn"));
    if (b.usage()) {
      start.put("usage", obj("input_tokens", u.prompt(), "output_tokens", 1));
      delta.put("usage", obj("output_tokens", u.completion()));
    }
    List<String> events = new ArrayList<>();
    events.add(named("message_start", obj("type", "message_start", "message", start)));
    events.add(named("content_block_start", obj("type", "content_block_start", "index", 0,
        "content_block", obj("type", "text", "text", ""))));
    events.add(named("ping", obj("type", "ping")));
    for (String w : words(answer)) {
      events.add(named("content_block_delta", obj("type", "content_block_delta", "index", 0,
          "delta", obj("type", "text_delta", "text", w))));
    }
    events.add(named("content_block_stop", obj("type", "content_block_stop", "index", 0)));
    events.add(named("message_delta", delta));
    events.add(named("message_stop", obj("type", "message_stop")));
    sse(ex, events, b);
  }

  private void embeddings(HttpExchange ex, String model, Usage u, Behaviour b) throws IOException {
    List<Object> vector = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      vector.add((i + 1) / 10.0);
    }
    Map<String, Object> r = obj("object", "list", "model", model, "data",
        List.of(obj("object", "embedding", "index", 0, "embedding", vector)));
    if (b.usage()) {
      r.put("usage", obj("prompt_tokens", u.prompt(), "total_tokens", u.prompt()));
    }
    send(ex, 200, r);
  }

  private static String named(String event, Object data) {
    return "event: " + event + "\ndata: " + json(data) + "\n\n";
  }

  /** Each event written and flushed on its own, {@code chunkDelayMs} apart. */
  private static void sse(HttpExchange ex, List<String> events, Behaviour b) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        sleep(b.chunkDelayMs());
      }
      out.write(events.get(i).getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    out.close();
  }

  private static void send(HttpExchange ex, int status, Object body) throws IOException {
    byte[] b = json(body).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  private static Map<String, Object> error(String message, String type) {
    return obj("error", obj("message", message, "type", type));
  }

  private static void sleep(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- what a request says ----

  private static String lastUserText(Map<?, ?> req) {
    Object items = req.containsKey("messages") ? req.get("messages") : req.get("input");
    if (items == null) {
      items = req.get("prompt");
    }
    if (items instanceof List<?> l) {
      for (int i = l.size() - 1; i >= 0; i--) {
        if (l.get(i) instanceof Map<?, ?> m) {
          // OpenClaw appends its own context as a last user message: answer the person instead
          if ("user".equals(m.get("role"))
              && !text(m.get("content")).startsWith("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>")) {
            return text(m.get("content"));
          }
        } else {
          return text(l.get(i));
        }
      }
      return "";
    }
    return text(items);
  }

  /** A string, or the text parts of a content list. */
  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    if (content instanceof List<?> parts) {
      for (Object p : parts) {
        if (p instanceof Map<?, ?> m && m.get("text") instanceof String t) {
          sb.append(t);
        } else if (p instanceof String s) {
          sb.append(s);
        }
      }
    }
    return sb.toString();
  }

  private static int promptChars(Map<?, ?> req) {
    int n = text(req.get("system")).length() + text(req.get("instructions")).length();
    for (String k : List.of("messages", "input", "prompt")) {
      Object v = req.get(k);
      if (v instanceof List<?> l) {
        for (Object item : l) {
          n += item instanceof Map<?, ?> m ? text(m.get("content")).length() : text(item).length();
        }
      } else {
        n += text(v).length();
      }
    }
    return n;
  }

  /** "a b c" → ["a", " b", " c"]: the pieces a stream sends, and the completion token count. */
  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == ' ') {
        out.add(s.substring(start, i));
        start = i;
      }
    }
    return out.isEmpty() ? List.of("") : out;
  }

  // ---- a little JSON (JDK only) ----

  static Map<String, Object> obj(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static String json(Object o) {
    return switch (o) {
      case null -> "null";
      case String s -> quote(s);
      case Number n -> n.toString();
      case Boolean b -> b.toString();
      case Map<?, ?> m -> {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(quote(String.valueOf(k)) + ":" + json(v)));
        yield "{" + String.join(",", parts) + "}";
      }
      case List<?> l -> {
        List<String> parts = new ArrayList<>();
        l.forEach(v -> parts.add(json(v)));
        yield "[" + String.join(",", parts) + "]";
      }
      default -> quote(o.toString());
    };
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  static Object parse(String s) {
    Parser p = new Parser(s);
    Object v = p.value();
    p.ws();
    if (p.i != s.length()) {
      throw new IllegalArgumentException("trailing characters at " + p.i);
    }
    return v;
  }

  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    Object value() {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        do {
          ws();
          String k = string();
          ws();
          expect(':');
          m.put(k, value());
          ws();
        } while (s.charAt(i++) == ',');
        if (s.charAt(i - 1) != '}') {
          throw new IllegalArgumentException("expected } at " + (i - 1));
        }
        return m;
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        do {
          l.add(value());
          ws();
        } while (s.charAt(i++) == ',');
        if (s.charAt(i - 1) != ']') {
          throw new IllegalArgumentException("expected ] at " + (i - 1));
        }
        return l;
      }
      if (c == '"') {
        return string();
      }
      for (String lit : List.of("true", "false", "null")) {
        if (s.startsWith(lit, i)) {
          i += lit.length();
          return lit.equals("null") ? null : Boolean.valueOf(lit);
        }
      }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      String num = s.substring(start, i);
      if (num.isEmpty()) {
        throw new IllegalArgumentException("unexpected '" + c + "' at " + start);
      }
      return num.matches("-?\\d+") ? (Object) Long.parseLong(num) : Double.parseDouble(num);
    }

    private String string() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (s.charAt(i) != '"') {
        char c = s.charAt(i++);
        if (c == '\\') {
          char e = s.charAt(i++);
          switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'u' -> {
              sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
              i += 4;
            }
            default -> sb.append(e);
          }
        } else {
          sb.append(c);
        }
      }
      i++;
      return sb.toString();
    }

    private void expect(char c) {
      if (s.charAt(i) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at " + i);
      }
      i++;
    }
  }
}
