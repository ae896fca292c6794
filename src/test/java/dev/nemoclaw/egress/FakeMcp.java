package dev.nemoclaw.egress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A small MCP server for the tests: {@code POST /mcp?mode=json|sse} answers JSON-RPC requests in
 * the streamable HTTP transport (a JSON body, or an SSE stream of one event per response);
 * {@code GET /sse} and {@code POST /messages?sessionId=s1} are the older SSE transport (the POST
 * gets 202, the responses come on the stream). Tools: echo, rm, mask, secret; a call answers
 * {@code called NAME with ARGS}. Remembers every body it was sent.
 */
final class FakeMcp implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final HttpServer server;
  final List<String> bodies = new CopyOnWriteArrayList<>();
  final BlockingQueue<String> stream = new LinkedBlockingQueue<>();

  private FakeMcp(HttpServer server) {
    this.server = server;
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  static FakeMcp start() throws IOException {
    return new FakeMcp(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64));
  }

  static FakeMcp startTls(SSLContext tls) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    s.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new FakeMcp(s);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      if (x.getRequestMethod().equals("GET") && path.equals("/sse")) {
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        out.write("event: endpoint\ndata: /messages?sessionId=s1\n\n".getBytes());
        out.flush();
        for (String m; (m = stream.poll(20, TimeUnit.SECONDS)) != null; ) {
          if (m.equals("END")) {
            break;
          }
          out.write(("event: message\r\ndata: " + m + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        return;
      }
      byte[] body = x.getRequestBody().readAllBytes();
      String text = new String(body, StandardCharsets.UTF_8);
      bodies.add(text);
      List<JsonNode> answers = answers(text);
      if (path.equals("/messages")) {
        answers.forEach(a -> stream.add(a.toString()));
        x.sendResponseHeaders(202, -1);
        return;
      }
      if (answers.isEmpty()) {
        x.sendResponseHeaders(202, -1);
        return;
      }
      boolean batch = text.trim().startsWith("[");
      if ("mode=sse".equals(x.getRequestURI().getQuery())) {
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        out.write(": a comment\n\n".getBytes());
        for (JsonNode a : answers) {
          out.write(("event: message\nid: e1\ndata: " + a + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        return;
      }
      byte[] out = (batch ? JSON.valueToTree(answers).toString() : answers.getFirst().toString())
          .getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().set("Content-Type", "application/json");
      if ("mode=gzip".equals(x.getRequestURI().getQuery())) {
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(z)) {
          g.write(out);
        }
        out = z.toByteArray();
        x.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      x.sendResponseHeaders(200, out.length);
      x.getResponseBody().write(out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The responses to each request with an id in the body; none for a body that is not JSON. */
  static List<JsonNode> answers(String text) {
    List<JsonNode> out = new ArrayList<>();
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      return out;
    }
    for (JsonNode m : root.isArray() ? root : List.of(root)) {
      if (!m.has("id") || !m.has("method")) {
        continue;
      }
      ObjectNode a = JSON.createObjectNode().put("jsonrpc", "2.0");
      a.set("id", m.get("id"));
      ObjectNode result = a.putObject("result");
      switch (m.get("method").asText()) {
        case "tools/list" -> {
          ArrayNode tools = result.putArray("tools");
          for (String t : List.of("echo", "rm", "mask", "secret")) {
            tools.addObject().put("name", t).put("description", "the " + t + " tool")
                .putObject("inputSchema").put("type", "object");
          }
        }
        case "tools/call" -> result.putArray("content").addObject().put("type", "text")
            .put("text", "called " + m.path("params").path("name").asText() + " with "
                + m.path("params").path("arguments"));
        default -> result.put("method", m.get("method").asText());
      }
      out.add(a);
    }
    return out;
  }

  @Override
  public void close() {
    stream.add("END");
    server.stop(0);
  }
}
