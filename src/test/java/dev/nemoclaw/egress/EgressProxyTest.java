package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EgressProxyTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  Origin origin;
  Origin other;

  static final Resolver RESOLVER = name -> switch (name) {
    case "origin.test", "other.test", "localhost" ->
        List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
    default -> throw new UnknownHostException(name);
  };

  @BeforeEach
  void origins() throws IOException {
    origin = Origin.start("origin");
    other = Origin.start("other");
    closeLater.add(origin);
    closeLater.add(other);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  /** The usual policy: two test names allowed, loopback named (the origins live there). */
  static TestPolicy usual() {
    return TestPolicy.allowing(Set.of("origin.test", "other.test", "127.0.0.1"),
        Set.of("127.0.0.1"));
  }

  InetSocketAddress start(TestPolicy policy) throws IOException {
    return start(EgressProxy.builder(policy));
  }

  InetSocketAddress start(EgressProxy.Builder b) throws IOException {
    EgressProxy p = b.resolver(RESOLVER).events(events::add).start();
    closeLater.add(p);
    return p.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  static HttpClient client(InetSocketAddress proxy) {
    return HttpClient.newBuilder().proxy(ProxySelector.of(proxy))
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // ------------------------------------------------------------------ decisions

  @Test
  void allowedRequestPassesAndHopByHopHeadersStayBehind() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://origin.test:" + origin.port() + "/hello?x=1 HTTP/1.1\r\n"
          + "Host: origin.test:" + origin.port() + "\r\nProxy-Authorization: Basic eDp5\r\n"
          + "Proxy-Connection: keep-alive\r\nConnection: keep-alive, X-Secret\r\n"
          + "X-Secret: 1\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("hello from origin", r.body());
    }
    Origin.Seen s = origin.seen.getFirst();
    assertEquals("/hello?x=1", s.uri());
    Set<String> names = lower(s.headers().keySet());
    assertTrue(names.contains("x-kept"), names.toString());
    for (String hop : List.of("proxy-authorization", "proxy-connection", "x-secret", "te")) {
      assertFalse(names.contains(hop), hop + " reached the origin: " + names);
    }
    assertEquals("origin.test:" + origin.port(), s.headers().get("Host").getFirst());
    EgressEvent.Decided d = decided().getFirst();
    assertEquals(EgressEvent.Verdict.ALLOW, d.decision());
    assertEquals(Optional.of("GET"), d.method());
    assertEquals(Optional.of("/hello"), d.path());
  }

  @Test
  void httpClientThroughTheProxy() throws Exception {
    InetSocketAddress proxy = start(usual());
    HttpResponse<String> r = get(client(proxy), "http://origin.test:" + origin.port() + "/hello");
    assertEquals(200, r.statusCode());
    assertEquals("hello from origin", r.body());
  }

  @Test
  void deniedGets403WithJsonAndHeader() throws Exception {
    TestPolicy policy = usual().denying("origin.test");
    InetSocketAddress proxy = start(policy);
    HttpResponse<String> r = get(client(proxy), "http://origin.test:" + origin.port() + "/hello");
    assertEquals(403, r.statusCode());
    assertEquals(Optional.of("deny"), r.headers().firstValue("X-Nemoclaw-Decision"));
    JsonNode body = JSON.readTree(r.body());
    assertEquals("policy_denied", body.get("error").asText());
    assertEquals("origin.test", body.get("host").asText());
    assertEquals(origin.port(), body.get("port").asInt());
    assertEquals("network.deny[0] origin.test", body.get("rule").asText());
    assertTrue(body.get("reason").asText().contains("denied"));
    assertTrue(body.hasNonNull("hint"));
    assertTrue(origin.seen.isEmpty());
    EgressEvent.Decided d = decided().getFirst();
    assertEquals(EgressEvent.Verdict.DENY, d.decision());
    EgressEvent.Denial denial = d.denial().orElseThrow();
    assertEquals("origin.test", denial.host());
    assertEquals(Optional.of("/hello"), denial.path());
  }

  @Test
  void unknownIsRefusedAtOnceByDefault() throws Exception {
    InetSocketAddress proxy = start(TestPolicy.allowing(Set.of(), Set.of("127.0.0.1")));
    HttpResponse<String> r = get(client(proxy), "http://origin.test:" + origin.port() + "/hello");
    assertEquals(403, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertTrue(body.get("reason").asText().contains("no rule covers"), body.toString());
    assertTrue(body.get("hint").asText().contains("network.allow"), body.toString());
    assertTrue(origin.seen.isEmpty());
  }

  @Test
  void unknownHandlerCanHoldAndThenAllow() throws Exception {
    CompletableFuture<Decision> later = new CompletableFuture<>();
    CompletableFuture<HttpResponse<String>> pending =
        holdOne(TestPolicy.allowing(Set.of(), Set.of("127.0.0.1")), later);
    Thread.sleep(200);
    assertFalse(pending.isDone(), "the request must wait for the decision");
    later.complete(new Decision.Allow("approval once", "the operator allowed it", false));
    assertEquals(200, pending.get(10, TimeUnit.SECONDS).statusCode());
  }

  /** A GET the policy does not cover, held until {@code later} decides it (asserts it is held). */
  CompletableFuture<HttpResponse<String>> holdOne(dev.nemoclaw.policy.EgressPolicy policy,
      CompletableFuture<Decision> later) throws Exception {
    List<EgressRequest> held = new CopyOnWriteArrayList<>();
    InetSocketAddress proxy = start(EgressProxy.builder(policy)
        .unknownHandler((req, u, peer) -> {
          held.add(req);
          return later;
        }));
    CompletableFuture<HttpResponse<String>> pending = client(proxy).sendAsync(
        HttpRequest.newBuilder(URI.create("http://origin.test:" + origin.port() + "/hello"))
            .build(), HttpResponse.BodyHandlers.ofString());
    long until = System.nanoTime() + 5_000_000_000L;
    while (held.isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(1, held.size());
    return pending;
  }

  /** The audit log fails while a request is held: the operator's approval no longer lets it out. */
  @Test
  void aRequestHeldWhenTheRunLocksDownIsRefusedEvenIfApproved() throws Exception {
    TestPolicy base = TestPolicy.allowing(Set.of(), Set.of("127.0.0.1"));
    java.util.concurrent.atomic.AtomicReference<Optional<Decision.Deny>> lockdown =
        new java.util.concurrent.atomic.AtomicReference<>(Optional.empty());
    dev.nemoclaw.policy.EgressPolicy policy = new dev.nemoclaw.policy.EgressPolicy() {
      @Override
      public Decision decide(EgressRequest r) {
        return lockdown.get().<Decision>map(d -> d).orElseGet(() -> base.decide(r));
      }

      @Override
      public boolean namesAddress(InetAddress a, int port) {
        return base.namesAddress(a, port);
      }

      @Override
      public Optional<Decision.Deny> lockdown() {
        return lockdown.get();
      }
    };
    CompletableFuture<Decision> later = new CompletableFuture<>();
    CompletableFuture<HttpResponse<String>> pending = holdOne(policy, later);
    lockdown.set(Optional.of(new Decision.Deny("audit", "the audit log stopped taking events",
        "free disk space")));
    later.complete(new Decision.Allow("approval once", "the operator allowed it", false));
    HttpResponse<String> r = pending.get(10, TimeUnit.SECONDS);
    assertEquals(403, r.statusCode(), r::body);
    assertEquals("audit", JSON.readTree(r.body()).get("rule").asText(), r::body);
    assertTrue(origin.seen.isEmpty());
  }

  // ------------------------------------------------------------------ forward, keep-alive

  @Test
  void keepAliveReusesTheOriginConnectionOnlyForTheSameHostAndPort() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      String a = "origin.test:" + origin.port();
      String b = "other.test:" + other.port();
      for (String target : List.of(a, a, b, a)) {
        raw.send("GET http://" + target + "/hello HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
        Raw.Response r = raw.read();
        assertEquals(200, r.status());
        assertEquals("hello from " + (target.equals(a) ? "origin" : "other"), r.body());
      }
    }
    assertEquals(3, origin.seen.size());
    assertEquals(1, other.seen.size());
    assertEquals(origin.seen.get(0).remotePort(), origin.seen.get(1).remotePort(),
        "two requests in a row to one origin share a connection");
    assertFalse(origin.seen.get(1).remotePort() == origin.seen.get(2).remotePort(),
        "after another origin, a new connection");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      String a = "origin.test:" + origin.port();
      String b = "other.test:" + other.port();
      raw.send("GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n"
          + "POST http://" + b + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"
          + "GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("hello from origin", raw.read().body());
      assertEquals("abcde", raw.read().body());
      assertEquals("hello from origin", raw.read().body());
    }
  }

  @Test
  void headRequestHasNoBody() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      String a = "origin.test:" + origin.port();
      raw.send("HEAD http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
      Raw.Response r = raw.socket.isConnected() ? readHead(raw) : null;
      assertEquals(200, r.status());
      raw.send("GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("hello from origin", raw.read().body());
    }
  }

  private static Raw.Response readHead(Raw raw) throws IOException {
    String status = raw.line();
    for (String l; (l = raw.line()) != null && !l.isEmpty(); ) {
      // headers only
    }
    return new Raw.Response(Integer.parseInt(status.split(" ")[1]), Map.of(), "");
  }

  /** The URI decides and routes; a Host header naming another host changes neither. */
  @Test
  void theHostHeaderCannotFrontForAnotherHost() throws Exception {
    InetSocketAddress proxy = start(usual().denying("evil.test"));
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://evil.test:" + origin.port() + "/hello HTTP/1.1\r\n"
          + "Host: origin.test:" + origin.port() + "\r\nConnection: close\r\n\r\n");
      assertEquals(403, raw.read().status());
    }
    assertTrue(origin.seen.isEmpty());
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\n"
          + "Host: evil.test\r\nConnection: close\r\n\r\n");
      assertEquals(200, raw.read().status());
    }
    assertEquals(1, origin.seen.size());
    assertEquals("origin.test:" + origin.port(), origin.seen.getFirst().headers().get("Host")
        .getFirst());
    assertEquals(List.of("evil.test", "origin.test"),
        decided().stream().map(EgressEvent.Decided::host).toList());
  }

  @Test
  void requestsInOriginFormAreTold400() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(400, r.status());
      assertTrue(r.body().contains("egress proxy"), r.body());
    }
  }

  @Test
  void unresolvableHostIs502WithJson() throws Exception {
    InetSocketAddress proxy = start(TestPolicy.allowAllNames());
    HttpResponse<String> r = get(client(proxy), "http://nowhere.test/x");
    assertEquals(502, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertEquals("unresolvable_host", body.get("error").asText());
    assertTrue(body.get("reason").asText().contains("nowhere.test"));
  }

  @Test
  void originRefusingIs502() throws Exception {
    int dead;
    try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    InetSocketAddress proxy = start(usual());
    HttpResponse<String> r = get(client(proxy), "http://origin.test:" + dead + "/x");
    assertEquals(502, r.statusCode());
    assertEquals("origin_unreachable", JSON.readTree(r.body()).get("error").asText());
  }

  // ------------------------------------------------------------------ CONNECT

  @Test
  void connectTunnelsBytesBothWays() throws Exception {
    try (Echo echo = Echo.start()) {
      InetSocketAddress proxy = start(usual());
      try (Raw raw = new Raw(proxy)) {
        raw.send("CONNECT origin.test:" + echo.port() + " HTTP/1.1\r\nHost: origin.test:"
            + echo.port() + "\r\n\r\n");
        assertEquals("HTTP/1.1 200 Connection Established", raw.line());
        while (!raw.line().isEmpty()) {
          // headers
        }
        raw.send("ping\n");
        assertEquals("ping", raw.line());
      }
      long until = System.nanoTime() + 5_000_000_000L;
      while (ended().isEmpty() && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      EgressEvent.Ended end = ended().getFirst();
      assertEquals(5, end.bytesUp());
      assertEquals(5, end.bytesDown());
      assertEquals(Optional.empty(), end.method());
    }
  }

  @Test
  void connectDeniedIs403AndCloses() throws Exception {
    InetSocketAddress proxy = start(usual().denying("origin.test"));
    try (Raw raw = new Raw(proxy)) {
      raw.send("CONNECT origin.test:443 HTTP/1.1\r\nHost: origin.test:443\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(403, r.status());
      assertEquals("deny", r.header("X-Nemoclaw-Decision"));
      assertEquals("policy_denied", JSON.readTree(r.body()).get("error").asText());
      assertTrue(raw.closedByPeer());
    }
  }

  @Test
  void connectToTheProxyItselfIsRefused() throws Exception {
    InetSocketAddress proxy = start(usual());
    for (String self : List.of("127.0.0.1:" + proxy.getPort(), "origin.test:" + proxy.getPort())) {
      try (Raw raw = new Raw(proxy)) {
        raw.send("CONNECT " + self + " HTTP/1.1\r\nHost: " + self + "\r\n\r\n");
        Raw.Response r = raw.read();
        assertEquals(403, r.status(), self);
        assertEquals("proxy-loop", JSON.readTree(r.body()).get("rule").asText());
      }
      try (Raw raw = new Raw(proxy)) {
        raw.send("GET http://" + self + "/x HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(403, raw.read().status(), self);
      }
    }
    assertEquals(4, decided().stream().filter(d -> d.rule().equals("proxy-loop")).count());
  }

  // ------------------------------------------------------------------ limits

  @Test
  void hugeHeaderIs431AndLongLineIs414() throws Exception {
    InetSocketAddress proxy = start(usual());
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x\r\nX-Big: "
          + "a".repeat(40_000) + "\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(431, r.status());
      assertTrue(raw.closedByPeer());
    }
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://origin.test:" + origin.port() + "/" + "a".repeat(10_000)
          + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(414, raw.read().status());
    }
    assertTrue(origin.seen.isEmpty());
  }

  @Test
  void tooManyConnectionsGet503() throws Exception {
    InetSocketAddress proxy = start(EgressProxy.builder(usual())
        .limits(ProxyLimits.defaults().withMaxConnections(2)));
    try (Raw a = new Raw(proxy); Raw b = new Raw(proxy)) {
      // both are counted once the proxy has accepted them: a request round-trip proves it
      for (Raw x : List.of(a, b)) {
        x.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, x.read().status());
      }
      try (Raw c = new Raw(proxy)) {
        Raw.Response r = c.read();
        assertEquals(503, r.status());
        assertEquals("too_many_connections", JSON.readTree(r.body()).get("error").asText());
      }
    }
  }

  @Test
  void idleConnectionsAreClosedAndHalfRequestsGet408() throws Exception {
    InetSocketAddress proxy = start(EgressProxy.builder(usual())
        .limits(ProxyLimits.defaults().withIdleTimeout(Duration.ofMillis(300))));
    try (Raw raw = new Raw(proxy)) {
      long t0 = System.nanoTime();
      assertTrue(raw.closedByPeer());
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x");
      assertEquals(408, raw.read().status());
    }
  }

  @Test
  void connectTimeoutIs504() throws Exception {
    // a listener that never accepts, with its backlog filled: further SYNs go unanswered
    try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> fill = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.net.Socket k = new java.net.Socket();
          try {
            k.connect(s.getLocalSocketAddress(), 200);
            fill.add(k);
          } catch (IOException e) {
            k.close();
            break;
          }
        }
        InetSocketAddress proxy = start(EgressProxy.builder(usual())
            .limits(ProxyLimits.defaults().withConnectTimeout(Duration.ofMillis(500))));
        HttpResponse<String> r = get(client(proxy),
            "http://origin.test:" + s.getLocalPort() + "/x");
        assertEquals(504, r.statusCode());
        assertEquals("origin_timeout", JSON.readTree(r.body()).get("error").asText());
      } finally {
        for (java.net.Socket k : fill) {
          k.close();
        }
      }
    }
  }

  // ------------------------------------------------------------------ smuggling

  @Test
  void smugglingAttemptsAre400AndTheOriginSeesNoSecondRequest() throws Exception {
    InetSocketAddress proxy = start(usual());
    String a = "origin.test:" + origin.port();
    String smuggled = "GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n";
    List<String> attacks = List.of(
        // CL + TE
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
        // TE + CL, other order
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + "Content-Length: 40\r\n\r\n0\r\n\r\n" + smuggled,
        // two different Content-Lengths
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            + "Content-Length: 2\r\n\r\nab" + smuggled,
        // a list in one Content-Length
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab"
            + smuggled,
        // a non-number
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc"
            + smuggled,
        // final coding not chunked
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
            + smuggled,
        // chunked twice
        "POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked"
            + "\r\n\r\n0\r\n\r\n" + smuggled,
        // obs-fold
        "GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked"
            + "\r\n\r\n" + smuggled,
        // space before the colon
        "GET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"
            + smuggled);
    for (String attack : attacks) {
      try (Raw raw = new Raw(proxy)) {
        raw.send(attack);
        Raw.Response r = raw.read();
        assertEquals(400, r.status(), attack);
        assertTrue(raw.closedByPeer(), "closed after: " + attack);
      }
    }
    assertEquals(0, origin.seen.size(), "the origin saw: " + origin.seen);
  }

  @Test
  void badChunkIs400AndNothingFollowsIt() throws Exception {
    InetSocketAddress proxy = start(usual());
    String a = "origin.test:" + origin.port();
    try (Raw raw = new Raw(proxy)) {
      raw.send("POST http://" + a + "/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          + "\r\nzz\r\nhello\r\n0\r\n\r\nGET http://" + a + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(400, r.status());
      assertTrue(raw.closedByPeer());
    }
    Thread.sleep(200);
    assertTrue(origin.seen.stream().noneMatch(s -> s.uri().equals("/hello")),
        "the request behind the bad chunk reached the origin");
  }

  // ------------------------------------------------------------------ volume

  @Test
  void quarterGibibyteDownloadArrivesIntact() throws Exception {
    long n = 256L << 20;
    InetSocketAddress proxy = start(usual());
    HttpResponse<InputStream> r = client(proxy).send(HttpRequest.newBuilder(
            URI.create("http://origin.test:" + origin.port() + "/big?n=" + n)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    Origin.Read got = Origin.readAll(r.body());
    assertEquals(n, got.length());
    assertEquals(Origin.bigSha(n), got.sha());
    long until = System.nanoTime() + 5_000_000_000L;
    while (ended().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals(n, ended().getFirst().bytesDown());
  }

  @Test
  void quarterGibibyteUploadArrivesIntact() throws Exception {
    long n = 256L << 20;
    InetSocketAddress proxy = start(usual());
    HttpResponse<String> r = client(proxy).send(HttpRequest.newBuilder(
            URI.create("http://origin.test:" + origin.port() + "/sha"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new BigStream(n))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals(Origin.bigSha(n) + " " + n, r.body());
  }

  /** /big's bytes as a stream, for uploads. */
  static final class BigStream extends InputStream {
    final long n;
    long pos;
    final byte[] block = new byte[1 << 16];

    BigStream(long n) {
      this.n = n;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= n) {
        return -1;
      }
      int inBlock = (int) (pos % block.length);
      if (inBlock == 0) {
        Origin.fill(block, pos);
      }
      int k = (int) Math.min(Math.min(len, block.length - inBlock), n - pos);
      System.arraycopy(block, inBlock, b, off, k);
      pos += k;
      return k;
    }
  }

  @Test
  void twoHundredConcurrentConnections() throws Exception {
    InetSocketAddress proxy = start(usual());
    int n = 200;
    List<Raw> raws = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        raws.add(new Raw(proxy));
      }
      for (Raw raw : raws) {
        raw.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      List<CompletableFuture<Integer>> answers = new ArrayList<>();
      try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
        for (Raw raw : raws) {
          answers.add(CompletableFuture.supplyAsync(() -> {
            try {
              return raw.read().status();
            } catch (IOException e) {
              return -1;
            }
          }, pool));
        }
        for (CompletableFuture<Integer> a : answers) {
          assertEquals(200, a.get(30, TimeUnit.SECONDS));
        }
      }
    } finally {
      for (Raw raw : raws) {
        raw.close();
      }
    }
    assertEquals(n, origin.seen.size());
  }

  // ------------------------------------------------------------------ the rest

  @Test
  void nioFallbackWorksToo() throws Exception {
    InetSocketAddress proxy = start(EgressProxy.builder(usual()).preferEpoll(false));
    HttpResponse<String> r = get(client(proxy), "http://origin.test:" + origin.port() + "/hello");
    assertEquals(200, r.statusCode());
  }

  @Test
  void eventsAreJsonLinesWithStableFields() throws Exception {
    InetSocketAddress proxy = start(usual().denying("other.test"));
    HttpClient c = client(proxy);
    get(c, "http://origin.test:" + origin.port() + "/hello");
    get(c, "http://other.test:" + other.port() + "/hello");
    long until = System.nanoTime() + 5_000_000_000L;
    while (ended().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    JsonNode allow = JSON.readTree(decided().get(0).toJsonLine());
    assertEquals("decision", allow.get("kind").asText());
    assertEquals("allow", allow.get("decision").asText());
    for (String f : List.of("time", "pid", "exe", "host", "port", "method", "path", "rule",
        "reason")) {
      assertTrue(allow.has(f), f);
    }
    JsonNode end = JSON.readTree(ended().getFirst().toJsonLine());
    for (String f : List.of("bytesUp", "bytesDown", "durationMs", "outcome")) {
      assertTrue(end.has(f), f);
    }
    Denials denials = new Denials();
    events.forEach(denials);
    assertEquals(1, denials.snapshot().size());
    JsonNode d = JSON.readTree(denials.snapshot().getFirst().toJson());
    assertEquals("other.test", d.get("host").asText());
    assertEquals("GET", d.get("method").asText());
    assertNotNull(d.get("binary"));
  }

  @Test
  void closeIsPrompt() throws Exception {
    EgressProxy p = EgressProxy.builder(usual()).resolver(RESOLVER).start();
    InetSocketAddress proxy = p.bind(new InetSocketAddress("127.0.0.1", 0));
    try (Raw a = new Raw(proxy); Raw b = new Raw(proxy)) {
      a.send("GET http://origin.test:" + origin.port() + "/slow HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread.sleep(100);
      long t0 = System.nanoTime();
      p.close();
      assertTrue(System.nanoTime() - t0 < 3_000_000_000L);
      // a may first get a 502 for its cut-off request; then both reach EOF
      a.in.readAllBytes();
      b.in.readAllBytes();
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }
  }

  List<EgressEvent.Decided> decided() {
    return events.stream().filter(e -> e instanceof EgressEvent.Decided)
        .map(e -> (EgressEvent.Decided) e).toList();
  }

  List<EgressEvent.Ended> ended() {
    return events.stream().filter(e -> e instanceof EgressEvent.Ended)
        .map(e -> (EgressEvent.Ended) e).toList();
  }

  static Set<String> lower(Set<String> s) {
    return s.stream().map(x -> x.toLowerCase(java.util.Locale.ROOT))
        .collect(java.util.stream.Collectors.toSet());
  }
}
