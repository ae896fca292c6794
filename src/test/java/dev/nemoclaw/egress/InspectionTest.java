package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.PolicyFixture;
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
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS inspection: a CONNECT allowed by an {@code inspect: true} rule is terminated with a leaf of
 * the sandbox CA, each request inside is decided on its own (L7 rules apply), and goes on over TLS
 * to an HTTPS origin whose certificate comes from a test CA of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InspectionTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestCa publicCa;
  static SandboxCa sandboxCa;
  static SSLContext originTls;

  @TempDir Path dir;
  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  Origin origin;
  SSLContext client;

  static final Resolver RESOLVER = name -> switch (name) {
    case "origin.test", "wrong.test" ->
        List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
    default -> throw new UnknownHostException(name);
  };

  @BeforeAll
  static void pki() throws Exception {
    publicCa = TestCa.create("test public CA");
    sandboxCa = SandboxCa.create("inspect-test");
    originTls = publicCa.server("origin.test");
  }

  @BeforeEach
  void start() throws Exception {
    origin = Origin.startTls("tls origin", originTls);
    closeLater.add(origin);
    client = TestCa.trusting(sandboxCa.certificate());
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  /** origin.test inspected with L7 rules; loopback named so the test origin is reachable. */
  EgressPolicy policy(String rule) {
    return PolicyFixture.compile(dir, """
        mode: proxy
        unknown: deny
        allow:
          - %s
          - {host: "127.0.0.1", ports: [%d]}
        """.formatted(rule.replace("PORT", "" + origin.port()), origin.port()));
  }

  EgressPolicy l7() {
    return policy("{host: origin.test, ports: [PORT], methods: [GET], paths: [\"/hello\", "
        + "\"/big\"], inspect: true}");
  }

  InetSocketAddress proxy(EgressPolicy policy, HostTrust upstream) throws IOException {
    return proxy(EgressProxy.builder(policy).sandboxCa(sandboxCa).upstreamTrust(upstream));
  }

  InetSocketAddress proxy(EgressProxy.Builder b) throws IOException {
    EgressProxy p = b.resolver(RESOLVER).events(events::add).start();
    closeLater.add(p);
    return p.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  Raw inspected(InetSocketAddress proxy, String host) throws IOException {
    Raw raw = new Raw(proxy);
    closeLater.add(raw);
    assertEquals(200, raw.connect(host + ":" + origin.port()));
    Raw tls = raw.tls(client, host);
    closeLater.add(tls);
    return tls;
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: origin.test\r\n\r\n";
  }

  @Test
  void theClientSeesALeafOfTheSandboxCaForTheConnectHost() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    SSLSocket s = (SSLSocket) tls.socket;
    X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
    leaf.verify(sandboxCa.certificate().getPublicKey());
    assertEquals(sandboxCa.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
    assertTrue(leaf.getSubjectAlternativeNames().stream()
        .anyMatch(n -> n.get(1).equals("origin.test")), leaf.toString());
    assertEquals("http/1.1", s.getApplicationProtocol(), "ALPN: HTTP/1.1 only, even offered h2");
    EgressEvent.Decided tunnel = decided().getFirst();
    assertEquals(EgressEvent.Verdict.ALLOW, tunnel.decision());
    assertTrue(tunnel.reason().contains("inspected"), tunnel.reason());
  }

  @Test
  void eachRequestInsideIsDecidedWithItsMethodAndPath() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send(get("/hello"));
    Raw.Response ok = tls.read();
    assertEquals(200, ok.status());
    assertEquals("hello from tls origin", ok.body());
    tls.send("POST /hello HTTP/1.1\r\nHost: origin.test\r\nContent-Length: 3\r\n\r\nabc");
    Raw.Response post = tls.read();
    assertEquals(403, post.status());
    assertEquals("deny", post.header("X-Nemoclaw-Decision"));
    JsonNode body = JSON.readTree(post.body());
    assertEquals("policy_denied", body.get("error").asText());
    assertTrue(body.get("reason").asText().contains("POST"), body.toString());
    tls.send(get("/other"));
    Raw.Response other = tls.read();
    assertEquals(403, other.status());
    assertTrue(JSON.readTree(other.body()).get("reason").asText().contains("/other"));
    tls.send(get("/hello")); // still the same connection: refusals keep it alive
    assertEquals(200, tls.read().status());
    assertEquals(List.of("GET /hello", "GET /hello"),
        origin.seen.stream().map(x -> x.method() + " " + x.uri()).toList());
    assertEquals("origin.test:" + origin.port(), origin.seen.getFirst().headers().get("Host")
        .getFirst());
    assertEquals(origin.seen.get(0).remotePort(), origin.seen.get(1).remotePort(),
        "keep-alive: both requests over one origin connection");
    List<String> inner = decided().stream().filter(d -> d.method().isPresent())
        .map(d -> d.decision().json() + " " + d.method().get() + " " + d.path().get()).toList();
    assertEquals(List.of("allow GET /hello", "deny POST /hello", "deny GET /other",
        "allow GET /hello"), inner);
  }

  /** The head deadline holds inside an inspected tunnel too, where bytes arrive decrypted. */
  @Test
  void aHeadDrippedInsideTheTunnelIsCut() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(l7()).sandboxCa(sandboxCa)
        .upstreamTrust(HostTrust.of(List.of(publicCa.cert)))
        .limits(ProxyLimits.defaults().withHeaderTimeout(Duration.ofSeconds(1))));
    Raw tls = inspected(proxy, "origin.test");
    tls.send(get("/hello"));
    assertEquals(200, tls.read().status());
    String head = "GET /hello HTTP/1.1\r\nHost: origin.test\r\nX-Pad: " + "a".repeat(200);
    long t0 = System.nanoTime();
    Thread dripper = Thread.ofVirtual().start(() -> {
      try {
        for (int i = 0; i < head.length(); i++) {
          tls.send(head.substring(i, i + 1));
          Thread.sleep(200);
        }
      } catch (IOException | InterruptedException e) {
        // cut
      }
    });
    try {
      Raw.Response r = tls.read();
      long cutMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(408, r.status(), r.body());
      assertEquals("request_timeout", JSON.readTree(r.body()).get("error").asText());
      assertTrue(cutMs < 3000, "cut after " + cutMs + " ms");
    } finally {
      dripper.interrupt();
    }
    assertEquals(1, origin.seen.size());
  }

  @Test
  void aRefusedRequestWhoseBodyComesLaterKeepsTheConnection() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send("POST /hello HTTP/1.1\r\nHost: origin.test\r\nContent-Length: 5\r\n\r\n");
    assertEquals(403, tls.read().status()); // answered before the body: it is read and dropped
    tls.send("abcde");
    tls.send(get("/hello"));
    assertEquals(200, tls.read().status());
    assertEquals(List.of("GET /hello"),
        origin.seen.stream().map(x -> x.method() + " " + x.uri()).toList());
  }

  @Test
  void theHostHeaderCannotFrontForAnotherHost() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send("GET /hello HTTP/1.1\r\nHost: evil.test\r\n\r\n");
    assertEquals(200, tls.read().status());
    assertEquals("origin.test:" + origin.port(), origin.seen.getFirst().headers().get("Host")
        .getFirst());
    tls.send("GET https://evil.test/hello HTTP/1.1\r\nHost: evil.test\r\n\r\n");
    assertEquals(400, tls.read().status());
    assertEquals(1, origin.seen.size());
  }

  @Test
  void anOriginTheHostDoesNotTrustIs502InsideTheTls() throws Exception {
    TestCa stranger = TestCa.create("not the origin's CA");
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(stranger.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send(get("/hello"));
    assertUpstreamTlsFailed(tls.read(), "certification path");
    tls.send(get("/hello")); // the client's connection survives the origin's failure
    assertEquals(502, tls.read().status());
  }

  @Test
  void anOriginWithAnotherNamesCertificateIs502() throws Exception {
    EgressPolicy p = policy("{host: wrong.test, ports: [PORT], inspect: true}");
    InetSocketAddress proxy = proxy(p, HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "wrong.test");
    tls.send(get("/hello"));
    assertUpstreamTlsFailed(tls.read(), "wrong.test");
  }

  /** A 502 saying the origin's TLS failed, for the reason named; the origin saw no request. */
  private void assertUpstreamTlsFailed(Raw.Response r, String inReason) throws Exception {
    assertEquals(502, r.status());
    JsonNode body = JSON.readTree(r.body());
    assertEquals("upstream_tls_failed", body.get("error").asText());
    assertTrue(body.get("reason").asText().contains(inReason), body.toString());
    assertTrue(origin.seen.isEmpty());
  }

  @Test
  void aClientThatDoesNotTrustTheSandboxCaFailsItsHandshakeAndTheRunHearsOfIt() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    try (Raw raw = new Raw(proxy)) {
      assertEquals(200, raw.connect("origin.test:" + origin.port()));
      SSLContext stranger = TestCa.trusting(TestCa.create("someone else").cert);
      assertThrows(SSLHandshakeException.class, () -> raw.tls(stranger, "origin.test"));
    }
    assertTrue(origin.seen.isEmpty());
    long until = System.nanoTime() + 5_000_000_000L;
    while (ended().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals("client_tls_failed", ended().getFirst().outcome());
  }

  /** Node tunnels http:// URLs (CONNECT host:80, then plain HTTP): inspection reads that too. */
  @Test
  void plainHttpInsideAnInspectedTunnelIsDecidedRequestByRequest() throws Exception {
    try (Origin plain = Origin.start("plain origin")) {
      EgressPolicy p = PolicyFixture.compile(dir, """
          mode: proxy
          unknown: deny
          allow:
            - {host: origin.test, ports: [%d], methods: [GET], paths: ["/hello"], inspect: true}
            - {host: "127.0.0.1", ports: [%d]}
          """.formatted(plain.port(), plain.port()));
      InetSocketAddress proxy = proxy(p, HostTrust.of(List.of(publicCa.cert)));
      try (Raw raw = new Raw(proxy)) {
        assertEquals(200, raw.connect("origin.test:" + plain.port()));
        raw.send(get("/hello"));
        Raw.Response ok = raw.read();
        assertEquals(200, ok.status());
        assertEquals("hello from plain origin", ok.body());
        raw.send("DELETE /hello HTTP/1.1\r\nHost: origin.test\r\n\r\n");
        assertEquals(403, raw.read().status());
      }
      assertEquals(List.of("GET"), plain.seen.stream().map(Origin.Seen::method).toList());
    }
  }

  @Test
  void aClientThatSpeaksNeitherTlsNorHttpIsRefusedAndClosed() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    try (Raw raw = new Raw(proxy)) {
      assertEquals(200, raw.connect("origin.test:" + origin.port()));
      raw.send("\u0001\u0002 hello?\r\n\r\n");
      assertEquals(400, raw.read().status());
      assertTrue(raw.closedByPeer());
    }
    assertTrue(origin.seen.isEmpty());
  }

  @Test
  void withoutASandboxCaAnInspectRuleRefusesTheTunnel() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(l7()));
    try (Raw raw = new Raw(proxy)) {
      raw.send("CONNECT origin.test:" + origin.port() + " HTTP/1.1\r\nHost: x\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(403, r.status());
      assertTrue(JSON.readTree(r.body()).get("reason").asText().contains("no sandbox CA"),
          r.body());
    }
  }

  @Test
  void realClientsGetThroughAndResponsesStream() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    HttpClient c = HttpClient.newBuilder().proxy(ProxySelector.of(proxy)).sslContext(client)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String base = "https://origin.test:" + origin.port();
    HttpResponse<String> hello = c.send(HttpRequest.newBuilder(URI.create(base + "/hello"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, hello.statusCode());
    assertEquals("hello from tls origin", hello.body());
    long n = 64L << 20;
    HttpResponse<InputStream> big = c.send(HttpRequest.newBuilder(URI.create(base + "/big?n=" + n))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, big.statusCode());
    Origin.Read got = Origin.readAll(big.body());
    assertEquals(n, got.length());
    assertEquals(Origin.bigSha(n), got.sha());
    HttpResponse<String> post = c.send(HttpRequest.newBuilder(URI.create(base + "/hello"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, post.statusCode());
  }

  @Test
  void responsesStreamRatherThanBeingCollectedFirst() throws Exception {
    // the response body is relayed as it arrives, not collected first: the client reads the
    // first bytes of a response the origin has not finished sending
    InetSocketAddress proxy = proxy(policy("{host: origin.test, ports: [PORT], inspect: true}"),
        HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    long n = 512L << 20;
    tls.send("GET /big?n=" + n + " HTTP/1.1\r\nHost: origin.test\r\n\r\n");
    assertTrue(tls.line().startsWith("HTTP/1.1 200"));
    while (!tls.line().isEmpty()) {
      // headers
    }
    byte[] first = tls.in.readNBytes(1 << 20);
    assertEquals(1 << 20, first.length);
    long ended = ended().stream().filter(e -> e.method().isPresent()).count();
    assertEquals(0, ended, "the exchange is still streaming");
  }

  @Test
  void theOriginSeesNoCertificateOrHeaderOfTheProxy() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send("GET /hello HTTP/1.1\r\nHost: origin.test\r\nProxy-Authorization: Basic eDp5\r\n"
        + "X-Kept: 1\r\n\r\n");
    assertEquals(200, tls.read().status());
    var names = EgressProxyTest.lower(origin.seen.getFirst().headers().keySet());
    assertTrue(names.contains("x-kept"));
    assertFalse(names.contains("proxy-authorization"));
  }

  @Test
  void connectInsideAnInspectedTunnelIsRefused() throws Exception {
    InetSocketAddress proxy = proxy(l7(), HostTrust.of(List.of(publicCa.cert)));
    Raw tls = inspected(proxy, "origin.test");
    tls.send("CONNECT other.test:443 HTTP/1.1\r\nHost: other.test\r\n\r\n");
    assertEquals(400, tls.read().status());
    assertThrows(IOException.class, () -> {
      tls.send(get("/hello"));
      tls.read();
    });
  }

  List<EgressEvent.Decided> decided() {
    return events.stream().filter(e -> e instanceof EgressEvent.Decided)
        .map(e -> (EgressEvent.Decided) e).toList();
  }

  List<EgressEvent.Ended> ended() {
    return events.stream().filter(e -> e instanceof EgressEvent.Ended)
        .map(e -> (EgressEvent.Ended) e).toList();
  }
}
