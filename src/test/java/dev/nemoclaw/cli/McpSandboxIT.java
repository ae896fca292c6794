package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP governed without the agent's cooperation (issue 10): a client in a real sandbox speaks MCP
 * (streamable HTTP) to the real {@code @modelcontextprotocol/server-everything} on the host,
 * through the egress proxy; agent.yaml names the server ({@code mcpServers}) and its tools rules
 * allow {@code echo}, block {@code get-sum} (a JSON-RPC error, the server never sees it, and
 * tools/list no longer shows it) and hold {@code get-env} for the operator; all are audited.
 */
class McpSandboxIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MAIN = Cli.REPO.resolve("target/mcp-everything/node_modules/"
      + "@modelcontextprotocol/server-everything/dist/index.js");
  @TempDir static Path work;
  static boolean added;
  static Process server;
  static int port;

  static final String CLIENT = """
      import json, sys, urllib.request
      url, sid = sys.argv[1], None
      def rpc(method, params, id=None):
          global sid
          body = {"jsonrpc": "2.0", "method": method, "params": params}
          if id is not None:
              body["id"] = id
          headers = {"Content-Type": "application/json",
                     "Accept": "application/json, text/event-stream"}
          if sid:
              headers["mcp-session-id"] = sid
          req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
          with urllib.request.urlopen(req, timeout=30) as r:
              sid = r.headers.get("mcp-session-id") or sid
              text = r.read().decode()
          for line in text.splitlines():
              if line.startswith("data:"):
                  return json.loads(line[5:])
          return json.loads(text) if text.strip() else None
      rpc("initialize", {"protocolVersion": "2025-03-26", "capabilities": {},
                         "clientInfo": {"name": "sandbox", "version": "1"}}, 1)
      rpc("notifications/initialized", {})
      print("ECHO " + json.dumps(rpc("tools/call", {"name": "echo", "arguments": {"message": "hi"}}, 2)))
      print("SUM " + json.dumps(rpc("tools/call", {"name": "get-sum", "arguments": {"a": 1, "b": 2}}, 3)))
      print("ENV " + json.dumps(rpc("tools/call", {"name": "get-env", "arguments": {}}, 4)))
      names = [t["name"] for t in rpc("tools/list", {}, 5)["result"]["tools"]]
      print("LIST " + json.dumps(names))
      """;

  @BeforeAll
  static void start() throws Exception {
    added = TestNet.add();
    Assumptions.assumeTrue(dev.nemoclaw.egress.McpEverythingIT.installed(),
        "node/npm or @modelcontextprotocol/server-everything not available");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder("node", MAIN.toString(), "streamableHttp")
        .redirectErrorStream(true);
    pb.environment().put("PORT", "" + port);
    server = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
        StandardCharsets.UTF_8));
    CompletableFuture<Void> listening = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          if (l.contains("listening on port")) {
            listening.complete(null);
          }
        }
      } catch (Exception e) {
        listening.completeExceptionally(e);
      }
    });
    listening.get(60, TimeUnit.SECONDS);
    TestNet.readableBySandbox(work);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
    TestNet.remove(added);
  }

  @Test
  void toolCallsCrossingTheProxyAreDecidedByTheToolsRulesAndAudited() throws Exception {
    Path app = Files.createDirectories(work.resolve("app"));
    Files.writeString(app.resolve("client.py"), CLIENT);
    TestNet.readableBySandbox(app);
    Path spec = Files.writeString(work.resolve("agent.yaml"), """
        apiVersion: nemoclaw.dev/v1
        name: mcp-it
        command: [python3, /sandbox/client.py, "http://%s:%d/mcp"]
        mounts: [{source: ./app, target: /sandbox}]
        network:
          mode: proxy
          unknown: deny
          allow: [{host: "%s", ports: [%d]}]
          approvalTimeout: 60s
        mcpServers: [{name: everything, host: "%s"}]
        tools:
          - {match: "server:everything/tool:echo", action: allow}
          - {match: "server:everything/tool:get-env", action: require-approval}
          - {match: "tool:get-sum", action: block}
          - {match: "server:everything/tool:*", action: allow}
        """.formatted(TestNet.IP, port, TestNet.IP, port, TestNet.IP));
    Map<String, String> env = Map.of("NEMOCLAW_HOME", work.resolve("home").toString());
    Bg bg = Bg.start(env, work, "run", spec.toString());
    JsonNode held = null;
    for (int i = 0; i < 600 && held == null; i++) {
      for (JsonNode item : JSON.readTree(Cli.run(env, null, "approvals", "list", "-o", "json")
          .stdout())) {
        if (item.path("kind").asText().equals("tool")) {
          held = item;
        }
      }
      assertTrue(held != null || bg.p().isAlive(), bg::stderr);
      Thread.sleep(100);
    }
    assertTrue(held != null && held.path("detail").asText().contains("everything/get-env"),
        () -> "the approval-gated call was not held: " + bg.stderr());
    assertEquals(0, Cli.run(env, null, "approvals", "approve", held.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);
    Cli.Result r = new Cli.Result(0, bg.stdout(), bg.stderr());
    String echo = line(r.stdout(), "ECHO ");
    assertTrue(echo.contains("Echo: hi"), r::toString);
    JsonNode sum = JSON.readTree(line(r.stdout(), "SUM "));
    assertEquals(-32001, sum.at("/error/code").asInt(), sum::toString);
    assertEquals(3, sum.path("id").asInt(), sum::toString);
    assertTrue(sum.at("/error/message").asText().contains("get-sum"), sum::toString);
    assertTrue(sum.at("/error/message").asText().contains("tools[2] tool:get-sum"), sum::toString);
    JsonNode envResult = JSON.readTree(line(r.stdout(), "ENV "));
    assertTrue(envResult.has("result"), "the approved call ran: " + envResult);
    // tools/list no longer shows what the rules block
    String list = line(r.stdout(), "LIST ");
    assertTrue(list.contains("\"echo\"") && !list.contains("get-sum"), list);
    Cli.Result ocsf = Cli.run(env, null, "audit", "export", "mcp-it", "--format", "ocsf");
    assertEquals(0, ocsf.exit(), ocsf::toString);
    List<JsonNode> calls = new ArrayList<>();
    for (String l : ocsf.stdout().lines().toList()) {
      JsonNode e = JSON.readTree(l);
      if (e.path("class_uid").asInt() == 6003
          && e.at("/api/operation").asText().matches("echo|get-sum|get-env")) {
        calls.add(e);
      }
    }
    assertEquals(3, calls.size(), ocsf::toString);
    assertEquals("everything", calls.get(0).at("/api/service/name").asText(), calls::toString);
    assertTrue(calls.get(0).at("/unmapped/allowed").asBoolean(), calls::toString);
    assertTrue(!calls.get(1).at("/unmapped/allowed").asBoolean(), calls::toString);
    assertEquals("require-approval", calls.get(2).at("/unmapped/action").asText(), calls::toString);
    assertTrue(calls.get(2).at("/unmapped/allowed").asBoolean(), calls::toString);
  }

  private static String line(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .map(l -> l.substring(prefix.length()))
        .orElseThrow(() -> new AssertionError("no " + prefix + "line in\n" + out));
  }
}
