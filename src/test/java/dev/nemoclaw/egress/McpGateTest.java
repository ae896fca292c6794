package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MCP tool calls crossing the proxy, governed by a {@link ToolGate} without the agent's help:
 * against {@link FakeMcp} (both transports, JSON and SSE responses), plain and inspected.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class McpGateTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Blocks rm, masks mask's arguments, redacts secret's output, hides rm from lists. */
  static final class FakeGate implements ToolGate {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Verdict> call(String server, String tool, JsonNode arguments,
        Peer peer) {
      calls.add(server + " " + tool + " " + arguments);
      return CompletableFuture.supplyAsync(() -> switch (tool) {
        case "rm" -> Verdict.block("destructive tools need approval");
        case "mask" -> new Verdict(true, "", Optional.of(JSON.createObjectNode()
            .put("secret", "***")), false);
        case "secret" -> new Verdict(true, "", Optional.empty(), true);
        case "boom" -> throw new IllegalStateException("engine down");
        default -> Verdict.allow();
      });
    }

    @Override
    public boolean listed(String server, String tool) {
      return !tool.equals("rm");
    }

    @Override
    public JsonNode redact(String server, String tool, JsonNode result) {
      ObjectNode r = JSON.createObjectNode();
      r.putArray("content").addObject().put("type", "text").put("text", "[redacted " + tool + "]");
      return r;
    }
  }

  static final Resolver RESOLVER = name -> switch (name) {
    case "mcp.test" -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
    default -> throw new UnknownHostException(name);
  };

  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  final FakeGate gate = new FakeGate();
  FakeMcp mcp;

  @BeforeEach
  void start() throws IOException {
    mcp = FakeMcp.start();
    closeLater.add(mcp);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  InetSocketAddress proxy(EgressProxy.Builder b) throws IOException {
    EgressProxy p = b.resolver(RESOLVER).events(events::add).start();
    closeLater.add(p);
    return p.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  InetSocketAddress proxy() throws IOException {
    return proxy(EgressProxy.builder(TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1")))
        .toolGate(gate));
  }

  String post(String target, String body) {
    return "POST http://mcp.test:" + mcp.port() + target + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  static String call(Object id, String tool, String args) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + JSON.valueToTree(id) + ",\"method\":\"tools/call\","
        + "\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + args + "}}";
  }

  static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}";

  List<EgressEvent.Decided> toolDecisions() {
    return events.stream().filter(e -> e instanceof EgressEvent.Decided d
        && d.rule().startsWith("mcp tools/call")).map(e -> (EgressEvent.Decided) e).toList();
  }

  static List<String> names(JsonNode listResult) {
    return StreamSupport.stream(listResult.get("tools").spliterator(), false)
        .map(t -> t.get("name").asText()).toList();
  }

  @Test
  void anAllowedCallGoesOnUnchanged() throws Exception {
    InetSocketAddress proxy = proxy();
    String body = call(1, "echo", "{\"message\":\"hi\"}");
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", body));
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      JsonNode j = JSON.readTree(r.body());
      assertEquals(1, j.get("id").asInt());
      assertEquals("called echo with {\"message\":\"hi\"}",
          j.get("result").get("content").get(0).get("text").asText());
    }
    assertEquals(List.of(body), mcp.bodies, "the server got the agent's bytes");
    assertEquals(List.of("mcp.test echo {\"message\":\"hi\"}"), gate.calls);
    EgressEvent.Decided d = toolDecisions().getFirst();
    assertEquals(EgressEvent.Verdict.ALLOW, d.decision());
    assertEquals("mcp tools/call echo", d.rule());
    assertEquals("/mcp", d.path().orElseThrow());
  }

  @Test
  void aBlockedCallIsAJsonRpcErrorWithItsIdAndTheServerNeverSeesIt() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call("req-9", "rm", "{\"path\":\"/\"}")));
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("deny", r.header("X-Nemoclaw-Decision"));
      assertTrue(r.header("Content-Type").startsWith("application/json"));
      JsonNode j = JSON.readTree(r.body());
      assertEquals("2.0", j.get("jsonrpc").asText());
      assertEquals("req-9", j.get("id").asText());
      assertEquals(-32001, j.get("error").get("code").asInt());
      assertEquals("nemoclaw policy blocked tool rm: destructive tools need approval",
          j.get("error").get("message").asText());
      assertEquals("rm", j.get("error").get("data").get("tool").asText());
      assertEquals("destructive tools need approval",
          j.get("error").get("data").get("reason").asText());
      raw.send(post("/mcp?mode=json", call(2, "echo", "{}"))); // the connection goes on
      assertEquals(2, JSON.readTree(raw.read().body()).get("id").asInt());
    }
    assertEquals(1, mcp.bodies.size(), "only the allowed call reached the server");
    assertFalse(mcp.bodies.getFirst().contains("\"rm\""));
    EgressEvent.Decided d = toolDecisions().getFirst();
    assertEquals(EgressEvent.Verdict.DENY, d.decision());
    assertTrue(d.reason().contains("destructive"), d.reason());
    Denials denials = new Denials();
    events.forEach(denials);
    assertEquals(1, denials.snapshot().size());
    assertTrue(events.stream().anyMatch(e -> e instanceof EgressEvent.Ended end
        && end.outcome().equals("tool_blocked")));
  }

  @Test
  void maskedArgumentsAreWhatTheServerSees() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(3, "mask", "{\"secret\":\"hunter2\"}")));
      JsonNode j = JSON.readTree(raw.read().body());
      assertEquals("called mask with {\"secret\":\"***\"}",
          j.get("result").get("content").get(0).get("text").asText());
    }
    JsonNode sent = JSON.readTree(mcp.bodies.getFirst());
    assertEquals("***", sent.get("params").get("arguments").get("secret").asText());
    assertEquals(3, sent.get("id").asInt());
    assertFalse(mcp.bodies.getFirst().contains("hunter2"));
    assertTrue(toolDecisions().getFirst().reason().contains("arguments masked"));
  }

  @Test
  void aRedactedResultComesBackRedactedInJsonAndInSse() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(4, "secret", "{}")));
      Raw.Response r = raw.read();
      JsonNode j = JSON.readTree(r.body());
      assertEquals(4, j.get("id").asInt());
      assertEquals("[redacted secret]", j.get("result").get("content").get(0).get("text")
          .asText());
      assertEquals("" + r.body().getBytes().length, r.header("Content-Length"));
      raw.send(post("/mcp?mode=sse", call(5, "secret", "{}")));
      Raw.Response s = raw.read();
      assertTrue(s.header("Content-Type").startsWith("text/event-stream"));
      assertTrue(s.body().startsWith(": a comment\n\n"), s.body());
      assertTrue(s.body().contains("event: message\nid: e1\ndata: "), s.body());
      assertTrue(s.body().contains("[redacted secret]"), s.body());
      assertFalse(s.body().contains("called secret"), s.body());
      raw.send(post("/mcp?mode=sse", call(6, "echo", "{}"))); // not redacted: as it came
      assertTrue(raw.read().body().contains("called echo"));
    }
  }

  @Test
  void toolsListHidesWhatTheRulesHideInJsonAndInSse() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", LIST));
      assertEquals(List.of("echo", "mask", "secret"),
          names(JSON.readTree(raw.read().body()).get("result")));
      raw.send(post("/mcp?mode=sse", LIST));
      String sse = raw.read().body();
      String data = sse.lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow();
      assertEquals(List.of("echo", "mask", "secret"),
          names(JSON.readTree(data.substring(6)).get("result")));
    }
    assertTrue(gate.calls.isEmpty(), "listing asks listed(), not call()");
  }

  @Test
  void aBatchWithABlockedCallIsRefusedWholeWithAnErrorPerId() throws Exception {
    InetSocketAddress proxy = proxy();
    String batch = "[" + call(10, "echo", "{}") + ","
        + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}," + call(11, "rm", "{}")
        + "]";
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", batch));
      JsonNode j = JSON.readTree(raw.read().body());
      assertEquals(2, j.size(), j.toString());
      assertEquals(10, j.get(0).get("id").asInt());
      assertTrue(j.get(0).get("error").get("message").asText().startsWith("not sent"));
      assertEquals(11, j.get(1).get("id").asInt());
      assertEquals("rm", j.get(1).get("error").get("data").get("tool").asText());
      String ok = "[" + call(12, "echo", "{}") + "," + call(13, "secret", "{}") + "]";
      raw.send(post("/mcp?mode=json", ok));
      JsonNode k = JSON.readTree(raw.read().body());
      assertTrue(k.get(0).toString().contains("called echo"), k.toString());
      assertTrue(k.get(1).toString().contains("[redacted secret]"), k.toString());
    }
    assertEquals(1, mcp.bodies.size(), "the refused batch never reached the server");
  }

  @Test
  void whatIsNotAToolCallPassesUntouched() throws Exception {
    InetSocketAddress proxy = proxy();
    String init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
        + "{\"protocolVersion\":\"2025-03-26\"}}";
    String other = "{\"jsonrpc\":\"2.0\",\"method\":\"resources/list\","
        + "\"note\":\"tools/call in a string is no call\"}";
    String notJson = "{not json at all";
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", init));
      assertEquals("initialize", JSON.readTree(raw.read().body()).get("result").get("method")
          .asText());
      raw.send(post("/mcp?mode=json", other));
      assertEquals(202, raw.read().status());
      raw.send(post("/mcp?mode=json", notJson));
      assertEquals(202, raw.read().status());
    }
    assertEquals(List.of(init, other, notJson), mcp.bodies);
    assertTrue(gate.calls.isEmpty());
    assertTrue(toolDecisions().isEmpty());
  }

  @Test
  void whatAServerMightStillReadAsACallIsGovernedOrRefused() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      // no jsonrpc member: a lenient server would still run it
      raw.send(post("/mcp?mode=json", "{\"id\":1,\"method\":\"tools/call\",\"params\":"
          + "{\"name\":\"rm\",\"arguments\":{}}}"));
      assertEquals("rm", JSON.readTree(raw.read().body()).get("error").get("data").get("tool")
          .asText());
      // not JSON the proxy can read, but it names tools/call
      raw.send(post("/mcp?mode=json", "{\"id\":2,\"method\":\"tools/call\", oops}"));
      JsonNode j = JSON.readTree(raw.read().body());
      assertTrue(j.get("id").isNull(), j.toString());
      assertTrue(j.get("error").get("data").get("reason").asText().contains("not JSON"));
      // escaped: still the method it means
      raw.send(post("/mcp?mode=json", call(3, "rm", "{}").replace("tools/call",
          "tools\\u002fcall")));
      assertEquals(-32001, JSON.readTree(raw.read().body()).get("error").get("code").asInt());
    }
    assertTrue(mcp.bodies.isEmpty());
  }

  @Test
  void sseEventsAreFoundWhereverTheStreamIsCut() throws Exception {
    String stream = ": hi\r\n\r\nevent: message\r\nid: 9\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
        + "data: plain\n\ndata: x\r\rdata: {\"a\":2}\n\n";
    for (int cut = 0; cut <= stream.length(); cut++) {
      List<String> seen = new ArrayList<>();
      McpReply.Sse sse = new McpReply.Sse((type, data) -> {
        seen.add(type + "=" + data);
        return data.startsWith("{") ? Optional.of("{\"b\":0}") : Optional.empty();
      }, 1 << 20);
      StringBuilder out = new StringBuilder();
      for (String part : new String[] {stream.substring(0, cut), stream.substring(cut)}) {
        out.append(new String(sse.feed(part.getBytes()), java.nio.charset.StandardCharsets.UTF_8));
      }
      out.append(new String(sse.finish()));
      assertEquals(List.of("message={\"a\":\n1}", "message=plain", "message=x",
          "message={\"a\":2}"), seen, "cut at " + cut);
      assertEquals(": hi\r\n\r\nevent: message\nid: 9\ndata: {\"b\":0}\n\ndata: plain\n\n"
          + "data: x\r\rdata: {\"b\":0}\n\n", out.toString(), "cut at " + cut);
    }
  }

  @Test
  void privacyScreeningScreensWhatTheToolRulesLetThrough() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(
            TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1"))).toolGate(gate)
        .privacy(new PrivacyScreeningTest.FakeGuard("mask")));
    String email = PrivacyScreeningTest.EMAIL;
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(1, "echo", "{\"to\":\"" + email + "\"}")));
      assertTrue(raw.read().body().contains("[email]"));
      raw.send(post("/mcp?mode=json", call(2, "rm", "{\"to\":\"" + email + "\"}")));
      assertEquals(-32001, JSON.readTree(raw.read().body()).get("error").get("code").asInt());
    }
    assertTrue(gate.calls.getFirst().contains(email), "the rules see what the agent sent");
    assertEquals(1, mcp.bodies.size());
    assertFalse(mcp.bodies.getFirst().contains(email), mcp.bodies.toString());
    assertEquals(1, events.stream().filter(e -> e instanceof EgressEvent.Screened).count(),
        "the blocked call was not screened: it went nowhere");
  }

  @Test
  void aGateThatFailsRefusesTheCall() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(1, "boom", "{}")));
      JsonNode j = JSON.readTree(raw.read().body());
      assertTrue(j.get("error").get("data").get("reason").asText().contains("engine down"),
          j.toString());
      raw.send(post("/mcp?mode=json", "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
          + "\"params\":{\"arguments\":{}}}"));
      assertTrue(JSON.readTree(raw.read().body()).get("error").get("data").get("reason")
          .asText().contains("without a tool name"));
    }
    assertTrue(mcp.bodies.isEmpty());
  }

  @Test
  void withoutAToolGateBodiesAreNotLookedInto() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(
        TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1"))));
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(1, "rm", "{}")));
      assertTrue(raw.read().body().contains("called rm"));
    }
    assertTrue(toolDecisions().isEmpty());
  }

  @Test
  void aLargeJsonBodyIsRefusedRatherThanSentUnchecked() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(
        TestPolicy.allowing(Set.of("mcp.test"), Set.of("127.0.0.1"))).toolGate(gate)
        .limits(ProxyLimits.defaults().withMaxScannedBody(1024)));
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=json", call(1, "echo", "{\"x\":\"" + "y".repeat(2000) + "\"}")));
      Raw.Response r = raw.read();
      assertEquals(413, r.status());
      assertTrue(r.body().contains("MCP"), r.body());
    }
    assertTrue(mcp.bodies.isEmpty());
  }

  @Test
  void aCompressedAnswerThatMustBeRedactedIsNotPassedOn() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("/mcp?mode=gzip", call(1, "echo", "{}"))); // nothing to re-write: as it is
      Raw.Response plain = raw.read();
      assertEquals(200, plain.status());
      assertEquals("gzip", plain.header("Content-Encoding"));
      raw.send(post("/mcp?mode=gzip", call(2, "secret", "{}")));
      Raw.Response r = raw.read();
      assertEquals(502, r.status());
      assertEquals("mcp_response_unreadable", JSON.readTree(r.body()).get("error").asText());
    }
  }

  /** The older HTTP+SSE transport: POSTs get 202, responses come on the GET stream. */
  @Test
  void theOlderSseTransportIsGovernedToo() throws Exception {
    InetSocketAddress proxy = proxy();
    try (Raw stream = new Raw(proxy); Raw raw = new Raw(proxy)) {
      stream.send("GET http://mcp.test:" + mcp.port() + "/sse HTTP/1.1\r\nHost: x\r\n"
          + "Accept: text/event-stream\r\n\r\n");
      assertEquals(200, headOf(stream));
      assertTrue(readUntil(stream, "sessionId=s1").contains("event: endpoint"));
      raw.send(post("/messages?sessionId=s1", call(1, "rm", "{}")));
      Raw.Response blocked = raw.read();
      assertEquals(200, blocked.status()); // answered on the POST itself (documented)
      assertEquals(-32001, JSON.readTree(blocked.body()).get("error").get("code").asInt());
      raw.send(post("/messages?sessionId=s1", call(2, "secret", "{}")));
      assertEquals(202, raw.read().status());
      String redacted = readUntil(stream, "\"id\":2");
      assertTrue(redacted.contains("[redacted secret]"), redacted);
      assertFalse(redacted.contains("called secret"), redacted);
      raw.send(post("/messages?sessionId=s1", LIST));
      assertEquals(202, raw.read().status());
      String list = readUntil(stream, "\"id\":7");
      String data = list.lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow();
      assertEquals(List.of("echo", "mask", "secret"),
          names(JSON.readTree(data.substring(6)).get("result")));
      raw.send(post("/messages?sessionId=s1", call(3, "echo", "{}")));
      assertEquals(202, raw.read().status());
      assertTrue(readUntil(stream, "\"id\":3").contains("called echo"));
    }
    assertEquals(3, mcp.bodies.size());
  }

  /** The status of a response whose body is read later, chunk by chunk. */
  static int headOf(Raw r) throws IOException {
    int status = Integer.parseInt(r.line().split(" ")[1]);
    for (String l; (l = r.line()) != null && !l.isEmpty(); ) {
      // headers
    }
    return status;
  }

  /** Chunks of a chunked body until what they hold so far contains {@code marker}. */
  static String readUntil(Raw r, String marker) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().contains(marker)) {
      int n = Integer.parseInt(r.line().split(";")[0].trim(), 16);
      if (n == 0) {
        throw new IOException("the stream ended: " + sb);
      }
      sb.append(new String(r.in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8));
      r.line();
    }
    return sb.toString();
  }

  @Test
  void callsInsideAnInspectedTunnelAreGoverned() throws Exception {
    TestCa publicCa = TestCa.create("mcp public CA");
    SandboxCa sandboxCa = SandboxCa.create("mcp-test");
    FakeMcp tls = FakeMcp.startTls(publicCa.server("mcp.test"));
    closeLater.add(tls);
    EgressPolicy inspect = new EgressPolicy() {
      @Override
      public Decision decide(EgressRequest r) {
        return new Decision.Allow("network.allow[0] mcp.test", "allowed", true);
      }

      @Override
      public boolean namesAddress(InetAddress address, int port) {
        return true;
      }
    };
    InetSocketAddress proxy = proxy(EgressProxy.builder(inspect).toolGate(gate)
        .sandboxCa(sandboxCa).upstreamTrust(HostTrust.of(List.of(publicCa.cert))));
    Raw raw = new Raw(proxy);
    closeLater.add(raw);
    assertEquals(200, raw.connect("mcp.test:" + tls.port()));
    Raw in = raw.tls(TestCa.trusting(sandboxCa.certificate()), "mcp.test");
    closeLater.add(in);
    String head = "POST /mcp?mode=sse HTTP/1.1\r\nHost: mcp.test\r\n"
        + "Content-Type: application/json\r\nContent-Length: ";
    String blocked = call(1, "rm", "{}");
    in.send(head + blocked.length() + "\r\n\r\n" + blocked);
    assertEquals("rm", JSON.readTree(in.read().body()).get("error").get("data").get("tool")
        .asText());
    String masked = call(2, "mask", "{\"secret\":\"hunter2\"}");
    in.send(head + masked.length() + "\r\n\r\n" + masked);
    assertTrue(in.read().body().contains("called mask with {\\\"secret\\\":\\\"***\\\"}"));
    in.send(head + LIST.length() + "\r\n\r\n" + LIST);
    assertFalse(in.read().body().contains("\"rm\""));
    assertEquals(2, tls.bodies.size());
    assertFalse(tls.bodies.toString().contains("hunter2"));
  }
}
