package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real MCP server, {@code @modelcontextprotocol/server-everything} from npm in streamable HTTP
 * mode, spoken to through the in-process proxy with a tool gate: initialize, tools/list (one tool
 * hidden), echo allowed, echo with masked arguments, echo redacted, get-sum blocked. Installs the
 * package into {@code target/mcp-everything} with npm the first time; skipped when there is no
 * node or npm, or the registry cannot be reached.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public class McpEverythingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path DIR = Path.of("target", "mcp-everything");
  static final Path MAIN = DIR.resolve(
      "node_modules/@modelcontextprotocol/server-everything/dist/index.js");

  final List<AutoCloseable> closeLater = new ArrayList<>();
  Process server;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
    if (server != null) {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  /** Hides get-env, blocks get-sum, masks "mask me", redacts echoes of "secret ...". */
  static final class Gate implements ToolGate {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Verdict> call(String server, String tool, JsonNode arguments,
        Peer peer) {
      calls.add(server + " " + tool);
      String message = arguments.path("message").asText();
      Verdict v;
      if (tool.equals("get-sum")) {
        v = Verdict.block("arithmetic is not allowed here");
      } else if (message.equals("mask me")) {
        v = new Verdict(true, "", Optional.of(JSON.createObjectNode().put("message", "masked")),
            false);
      } else {
        v = new Verdict(true, "", Optional.empty(), message.startsWith("secret"));
      }
      return CompletableFuture.completedFuture(v);
    }

    @Override
    public boolean listed(String server, String tool) {
      return !tool.equals("get-env");
    }

    @Override
    public JsonNode redact(String server, String tool, JsonNode result) {
      ObjectNode r = result.deepCopy();
      r.putArray("content").addObject().put("type", "text").put("text", "[redacted]");
      return r;
    }
  }

  public static boolean installed() {
    if (Files.isRegularFile(MAIN)) {
      return true;
    }
    try {
      Files.createDirectories(DIR);
      Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund",
          "@modelcontextprotocol/server-everything").directory(DIR.toFile())
          .redirectErrorStream(true).redirectOutput(DIR.resolve("npm.log").toFile()).start();
      if (!p.waitFor(150, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return Files.isRegularFile(MAIN);
  }

  int startServer() throws Exception {
    return startServer("streamableHttp", "listening on port");
  }

  int startServer(String mode, String ready) throws Exception {
    Assumptions.assumeTrue(installed(), "node/npm or @modelcontextprotocol/server-everything"
        + " not available");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("node", MAIN.toString(), mode)
        .redirectErrorStream(true);
    pb.environment().put("PORT", "" + port);
    server = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
        StandardCharsets.UTF_8));
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          if (l.contains(ready)) {
            listening.complete(null);
          }
        }
      } catch (IOException ignored) {
        // the server is gone
      }
      listening.completeExceptionally(new IOException("the MCP server exited"));
    });
    listening.get(60, TimeUnit.SECONDS);
    return port;
  }

  /** The one JSON-RPC message of a response: a JSON body, or the data of its SSE event. */
  static JsonNode message(Raw.Response r) throws IOException {
    String body = r.body();
    if (!String.valueOf(r.header("Content-Type")).startsWith("text/event-stream")) {
      return JSON.readTree(body);
    }
    String data = body.lines().filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
    return JSON.readTree(data.substring(5).trim());
  }

  @Test
  void aRealMcpServerThroughTheProxy() throws Exception {
    int port = startServer();
    Gate gate = new Gate();
    List<EgressEvent> events = new CopyOnWriteArrayList<>();
    Resolver resolver = name -> switch (name) {
      case "mcp.test" -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
      default -> throw new UnknownHostException(name);
    };
    EgressProxy proxy = EgressProxy.builder(
            TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1")))
        .resolver(resolver).events(events::add).toolGate(gate).start();
    closeLater.add(proxy);
    Raw raw = new Raw(proxy.bind(new InetSocketAddress("127.0.0.1", 0)));
    closeLater.add(raw);
    String[] session = {null};
    java.util.function.Function<String, Raw.Response> post = body -> {
      try {
        raw.send("POST http://mcp.test:" + port + "/mcp HTTP/1.1\r\nHost: mcp.test\r\n"
            + "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            + (session[0] == null ? "" : "Mcp-Session-Id: " + session[0] + "\r\n")
            + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n"
            + body);
        return raw.read();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };

    Raw.Response init = post.apply("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        + "\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},"
        + "\"clientInfo\":{\"name\":\"nemoclaw-test\",\"version\":\"1\"}}}");
    assertEquals(200, init.status());
    session[0] = init.header("Mcp-Session-Id");
    assertTrue(session[0] != null && !session[0].isEmpty(), init.headers().toString());
    assertEquals("2025-03-26", message(init).get("result").get("protocolVersion").asText());
    assertEquals(202, post.apply("{\"jsonrpc\":\"2.0\","
        + "\"method\":\"notifications/initialized\"}").status());

    JsonNode list = message(post.apply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
    List<String> names = StreamSupport.stream(list.get("result").get("tools").spliterator(),
        false).map(t -> t.get("name").asText()).toList();
    assertTrue(names.contains("echo") && names.contains("get-sum"), names.toString());
    assertFalse(names.contains("get-env"), names.toString());

    JsonNode echo = message(post.apply(call(2, "echo", "{\"message\":\"hello\"}")));
    assertEquals("Echo: hello", echo.get("result").get("content").get(0).get("text").asText());

    JsonNode masked = message(post.apply(call(3, "echo", "{\"message\":\"mask me\"}")));
    assertEquals("Echo: masked", masked.get("result").get("content").get(0).get("text")
        .asText());

    JsonNode redacted = message(post.apply(call(4, "echo", "{\"message\":\"secret 42\"}")));
    assertEquals(4, redacted.get("id").asInt());
    assertEquals("[redacted]", redacted.get("result").get("content").get(0).get("text")
        .asText());

    Raw.Response blocked = post.apply(call(5, "get-sum", "{\"a\":1,\"b\":2}"));
    assertEquals(200, blocked.status());
    JsonNode error = message(blocked);
    assertEquals(5, error.get("id").asInt());
    assertEquals(-32001, error.get("error").get("code").asInt());
    assertEquals("get-sum", error.get("error").get("data").get("tool").asText());

    JsonNode after = message(post.apply(call(6, "get-sum", "{\"a\":1,\"b\":2}")
        .replace("get-sum", "echo").replace("{\"a\":1,\"b\":2}", "{\"message\":\"still here\"}")));
    assertEquals("Echo: still here", after.get("result").get("content").get(0).get("text")
        .asText());
    assertEquals(List.of("mcp.test echo", "mcp.test echo", "mcp.test echo", "mcp.test get-sum",
        "mcp.test echo"), gate.calls);
    assertTrue(events.stream().anyMatch(e -> e instanceof EgressEvent.Decided d
        && d.decision() == EgressEvent.Verdict.DENY && d.rule().equals("mcp tools/call get-sum")));
  }

  /** The older HTTP+SSE transport of the same server: POSTs get 202, answers come on GET /sse. */
  @Test
  void theSameServerOverTheOlderSseTransport() throws Exception {
    int port = startServer("sse", "Server is running on port");
    Gate gate = new Gate();
    Resolver resolver = name -> switch (name) {
      case "mcp.test" -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
      default -> throw new UnknownHostException(name);
    };
    EgressProxy proxy = EgressProxy.builder(
            TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1")))
        .resolver(resolver).toolGate(gate).start();
    closeLater.add(proxy);
    InetSocketAddress at = proxy.bind(new InetSocketAddress("127.0.0.1", 0));
    Raw stream = new Raw(at);
    closeLater.add(stream);
    Raw raw = new Raw(at);
    closeLater.add(raw);
    stream.send("GET http://mcp.test:" + port + "/sse HTTP/1.1\r\nHost: mcp.test\r\n"
        + "Accept: text/event-stream\r\n\r\n");
    assertEquals(200, McpGateTest.headOf(stream));
    String first = McpGateTest.readUntil(stream, "sessionId=");
    String endpoint = first.lines().filter(l -> l.startsWith("data: /message"))
        .findFirst().orElseThrow().substring(6).trim();
    java.util.function.Function<String, Raw.Response> post = body -> {
      try {
        raw.send("POST http://mcp.test:" + port + endpoint + " HTTP/1.1\r\nHost: mcp.test\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n"
            + body);
        return raw.read();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    assertEquals(202, post.apply("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        + "\"params\":{\"protocolVersion\":\"2024-11-05\",\"capabilities\":{},"
        + "\"clientInfo\":{\"name\":\"nemoclaw-test\",\"version\":\"1\"}}}").status());
    assertTrue(McpGateTest.readUntil(stream, "\"id\":0}").contains("protocolVersion"));
    assertEquals(202, post.apply("{\"jsonrpc\":\"2.0\","
        + "\"method\":\"notifications/initialized\"}").status());

    assertEquals(202, post.apply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")
        .status());
    String list = McpGateTest.readUntil(stream, "\"id\":1}");
    assertTrue(list.contains("\"echo\"") && list.contains("\"get-sum\""), list);
    assertFalse(list.contains("\"get-env\""), list);

    assertEquals(202, post.apply(call(2, "echo", "{\"message\":\"secret 7\"}")).status());
    String redacted = McpGateTest.readUntil(stream, "\"id\":2}");
    assertTrue(redacted.contains("[redacted]"), redacted);
    assertFalse(redacted.contains("secret 7"), redacted);

    Raw.Response blocked = post.apply(call(3, "get-sum", "{\"a\":1,\"b\":2}"));
    assertEquals(200, blocked.status());
    assertEquals(3, JSON.readTree(blocked.body()).get("id").asInt());

    assertEquals(202, post.apply(call(4, "echo", "{\"message\":\"hello\"}")).status());
    String echo = McpGateTest.readUntil(stream, "\"id\":4}");
    assertTrue(echo.contains("Echo: hello"), echo);
    assertFalse(echo.contains("\"id\":3"), "the blocked call never reached the server");
    assertEquals(List.of("mcp.test echo", "mcp.test get-sum", "mcp.test echo"), gate.calls);
  }

  static String call(int id, String tool, String args) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":"
        + "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}}";
  }
}
