package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.PrivacyScope;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request bodies screened by the privacy guard (privacy.scope: egress), plain and inside an
 * inspected tunnel. The guard here is a small fake with two detectors: the real ones live in the
 * privacy package and are tested there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivacyScreeningTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CARD = "4111-1111-1111-1111";
  static final String EMAIL = "alice@example.com";

  /** Finds {@link #CARD} (credit-card) and {@link #EMAIL} (email); acts as {@code action} says. */
  static final class FakeGuard implements PrivacyGuard {
    final String action;
    final List<String> calls = new CopyOnWriteArrayList<>();

    FakeGuard(String action) {
      this.action = action;
    }

    @Override
    public boolean covers(PrivacyScope scope) {
      return scope == PrivacyScope.EGRESS;
    }

    @Override
    public Verdict check(PrivacyScope scope, String text) {
      calls.add("text");
      return verdict(text);
    }

    @Override
    public Verdict checkJson(PrivacyScope scope, String json) {
      calls.add("json");
      return verdict(json);
    }

    private Verdict verdict(String text) {
      List<Finding> found = new ArrayList<>();
      StringBuilder masked = new StringBuilder();
      Matcher m = Pattern.compile(Pattern.quote(CARD) + "|" + Pattern.quote(EMAIL)).matcher(text);
      int at = 0;
      while (m.find()) {
        String detector = m.group().equals(CARD) ? "credit-card" : "email";
        found.add(new Finding(detector, m.start(), m.end()));
        masked.append(text, at, m.start()).append("[").append(detector).append("]");
        at = m.end();
      }
      masked.append(text.substring(at));
      if (found.isEmpty()) {
        return new Verdict.Clean();
      }
      return switch (action) {
        case "audit" -> new Verdict.Audited(found);
        case "mask" -> new Verdict.Masked(masked.toString(), found);
        default -> new Verdict.Blocked(found);
      };
    }
  }

  static final Resolver RESOLVER = name -> switch (name) {
    case "origin.test" -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}));
    default -> throw new UnknownHostException(name);
  };

  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();
  Origin origin;

  @BeforeEach
  void origin() throws IOException {
    origin = Origin.start("origin");
    closeLater.add(origin);
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

  InetSocketAddress proxy(PrivacyGuard guard) throws IOException {
    return proxy(EgressProxy.builder(usual()).privacy(guard));
  }

  static TestPolicy usual() {
    return TestPolicy.allowing(Set.of("origin.test"), Set.of("127.0.0.1"));
  }

  String post(String type, String body) {
    return "POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
        + (type == null ? "" : "Content-Type: " + type + "\r\n")
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  List<EgressEvent.Screened> screened() {
    return events.stream().filter(e -> e instanceof EgressEvent.Screened)
        .map(e -> (EgressEvent.Screened) e).toList();
  }

  @Test
  void aMaskedBodyArrivesMaskedWithItsNewLength() throws Exception {
    FakeGuard guard = new FakeGuard("mask");
    InetSocketAddress proxy = proxy(guard);
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("text/plain; charset=utf-8", "pay " + CARD + " to " + EMAIL + " now"));
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("pay [credit-card] to [email] now", r.body());
    }
    Origin.Seen seen = origin.seen.getFirst();
    assertEquals(List.of("" + "pay [credit-card] to [email] now".length()),
        seen.headers().get("Content-length"));
    EgressEvent.Screened s = screened().getFirst();
    assertEquals(EgressEvent.Screening.MASKED, s.action());
    assertEquals(Map.of("credit-card", 1, "email", 1), s.detectors());
    assertEquals("/echo", s.path().orElseThrow());
    String line = s.toJsonLine();
    assertFalse(line.contains(CARD) || line.contains("4111") || line.contains(EMAIL), line);
    JsonNode j = JSON.readTree(line);
    assertEquals("privacy", j.get("kind").asText());
    assertEquals("masked", j.get("action").asText());
    assertEquals(1, j.get("detectors").get("email").asInt());
  }

  @Test
  void aChunkedBodyIsMaskedAndSentWithALength() throws Exception {
    InetSocketAddress proxy = proxy(new FakeGuard("mask"));
    String part1 = "card 4111-1111";
    String part2 = "-1111-1111 end";
    try (Raw raw = new Raw(proxy)) {
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
          + Integer.toHexString(part1.length()) + "\r\n" + part1 + "\r\n"
          + Integer.toHexString(part2.length()) + "\r\n" + part2 + "\r\n0\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals("card [credit-card] end", r.body());
    }
    Map<String, List<String>> h = origin.seen.getFirst().headers();
    assertNull(h.get("Transfer-encoding"), h.toString());
    assertEquals(List.of("" + "card [credit-card] end".length()), h.get("Content-length"));
  }

  @Test
  void jsonBodiesGoToTheJsonCheck() throws Exception {
    FakeGuard guard = new FakeGuard("mask");
    InetSocketAddress proxy = proxy(guard);
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("application/json", "{\"to\":\"" + EMAIL + "\"}"));
      assertEquals("{\"to\":\"[email]\"}", raw.read().body());
      raw.send(post(null, "no type at all: " + EMAIL));
      assertEquals("no type at all: [email]", raw.read().body());
    }
    assertEquals(List.of("json", "text"), guard.calls);
  }

  @Test
  void aBlockedBodyNeverReachesTheOrigin() throws Exception {
    InetSocketAddress proxy = proxy(new FakeGuard("block"));
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("text/plain", "my card is " + CARD));
      Raw.Response r = raw.read();
      assertEquals(403, r.status());
      assertEquals("deny", r.header("X-Nemoclaw-Decision"));
      JsonNode body = JSON.readTree(r.body());
      assertEquals("privacy_blocked", body.get("error").asText());
      assertEquals("origin.test", body.get("host").asText());
      assertEquals(origin.port(), body.get("port").asInt());
      assertEquals("credit-card", body.get("detectors").get(0).asText());
      assertTrue(body.hasNonNull("reason") && body.hasNonNull("hint"), body.toString());
      assertFalse(r.body().contains("4111"), r.body());
      raw.send(post("text/plain", "nothing to see")); // the connection goes on
      assertEquals("nothing to see", raw.read().body());
    }
    assertEquals(1, origin.seen.size(), "only the clean request reached the origin");
    assertEquals(EgressEvent.Screening.BLOCKED, screened().getFirst().action());
    Denials denials = new Denials();
    events.forEach(denials);
    assertTrue(denials.snapshot().getFirst().reason().contains("credit-card"));
  }

  @Test
  void anAuditedBodyGoesOnUnchanged() throws Exception {
    InetSocketAddress proxy = proxy(new FakeGuard("audit"));
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("text/plain", "card " + CARD));
      assertEquals("card " + CARD, raw.read().body());
    }
    assertEquals(EgressEvent.Screening.AUDITED, screened().getFirst().action());
    assertFalse(screened().getFirst().toJsonLine().contains("4111"));
  }

  @Test
  void aBodyOverTheLimitIs413AndNothingIsSent() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(usual()).privacy(new FakeGuard("mask"))
        .limits(ProxyLimits.defaults().withMaxScannedBody(1024)));
    try (Raw raw = new Raw(proxy)) {
      raw.send(post("text/plain", "x".repeat(2000)));
      Raw.Response r = raw.read();
      assertEquals(413, r.status());
      JsonNode body = JSON.readTree(r.body());
      assertEquals("body_too_large_to_scan", body.get("error").asText());
      assertEquals(1024, body.get("limit").asInt());
      assertTrue(body.get("reason").asText().contains("privacy screening"), body.toString());
    }
    try (Raw raw = new Raw(proxy)) { // chunked: no length to go by, so it counts as it reads
      String chunk = "y".repeat(600);
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + "258\r\n" + chunk + "\r\n258\r\n" + chunk
          + "\r\n");
      assertEquals(413, raw.read().status());
      assertTrue(raw.closedByPeer());
    }
    try (Raw raw = new Raw(proxy)) { // within the limit: fine
      raw.send(post("text/plain", "z".repeat(1000)));
      assertEquals(200, raw.read().status());
    }
    assertEquals(1, origin.seen.size());
  }

  @Test
  void bodiesHeldForScanningAreBoundedAcrossConnections() throws Exception {
    InetSocketAddress proxy = proxy(EgressProxy.builder(usual()).privacy(new FakeGuard("mask"))
        .limits(ProxyLimits.defaults().withMaxScannedBody(1024)));
    String head = "POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: text/plain\r\nContent-Length: 1024\r\n\r\n";
    List<Raw> holding = new ArrayList<>();
    try {
      for (int i = 0; i < EgressProxy.SCAN_BUDGET_BODIES; i++) { // 8 x 1000 bytes, unfinished
        Raw raw = new Raw(proxy);
        holding.add(raw);
        raw.send(head + "h".repeat(1000));
      }
      Thread.sleep(500); // let the proxy read them all
      try (Raw raw = new Raw(proxy)) {
        raw.send(head + "h".repeat(1000));
        Raw.Response r = raw.read();
        assertEquals(503, r.status());
        assertEquals("privacy_screening_busy", JSON.readTree(r.body()).get("error").asText());
      }
      Raw first = holding.getFirst();
      first.send("h".repeat(24)); // one finishes: its bytes are given back
      assertEquals(200, first.read().status());
      try (Raw raw = new Raw(proxy)) {
        raw.send(head + "h".repeat(1024));
        assertEquals(200, raw.read().status());
      }
    } finally {
      for (Raw r : holding) {
        r.close();
      }
    }
  }

  @Test
  void expectContinueIsAnsweredByTheProxyWhileItCollects() throws Exception {
    InetSocketAddress proxy = proxy(new FakeGuard("mask"));
    String body = "to " + EMAIL;
    try (Raw raw = new Raw(proxy)) {
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: text/plain\r\nExpect: 100-continue\r\nContent-Length: "
          + body.length() + "\r\n\r\n");
      assertEquals("HTTP/1.1 100 Continue", raw.line());
      assertEquals("", raw.line());
      raw.send(body);
      Raw.Response r = raw.read();
      assertEquals(200, r.status());
      assertEquals("to [email]", r.body());
    }
    assertNull(origin.seen.getFirst().headers().get("Expect"));
  }

  @Test
  void compressedAndBinaryBodiesPassUnscannedWithAnEvent() throws Exception {
    InetSocketAddress proxy = proxy(new FakeGuard("block"));
    try (Raw raw = new Raw(proxy)) {
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: "
          + CARD.length() + "\r\n\r\n" + CARD);
      assertEquals(CARD, raw.read().body());
      raw.send(post("application/octet-stream", CARD));
      assertEquals(CARD, raw.read().body());
      raw.send("POST http://origin.test:" + origin.port() + "/echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\n\u00ff\u00fe" + "a");
      assertEquals(200, raw.read().status());
    }
    List<EgressEvent.Screened> s = screened();
    assertEquals(3, s.size());
    assertTrue(s.stream().allMatch(e -> e.action() == EgressEvent.Screening.UNSCANNED));
    assertTrue(s.get(0).reason().contains("gzip"), s.get(0).reason());
    assertTrue(s.get(1).reason().contains("application/octet-stream"), s.get(1).reason());
    assertTrue(s.get(2).reason().contains("UTF-8"), s.get(2).reason());
    assertEquals(3, origin.seen.size());
  }

  @Test
  void internalServicesAndBodilessRequestsAreNotScreened() throws Exception {
    FakeGuard guard = new FakeGuard("block");
    try (Origin service = Origin.start("policy")) {
      InetSocketAddress proxy = proxy(EgressProxy.builder(usual()).privacy(guard)
          .internal(new InternalService("policy.local",
              new InetSocketAddress("127.0.0.1", service.port()), Map.of())));
      try (Raw raw = new Raw(proxy)) {
        raw.send("POST http://policy.local/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain"
            + "\r\nContent-Length: " + CARD.length() + "\r\n\r\n" + CARD);
        assertEquals(CARD, raw.read().body());
        raw.send("GET http://origin.test:" + origin.port() + "/hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, raw.read().status());
      }
    }
    assertTrue(guard.calls.isEmpty());
    assertTrue(screened().isEmpty());
  }

  @Test
  void insideAnInspectedTunnelBodiesAreScreenedToo() throws Exception {
    TestCa publicCa = TestCa.create("public");
    SandboxCa ca = SandboxCa.create("privacy-test");
    try (Origin tlsOrigin = Origin.startTls("tls", publicCa.server("origin.test"))) {
      EgressPolicy inspectAll = new EgressPolicy() {
        @Override
        public Decision decide(EgressRequest r) {
          return new Decision.Allow("network.allow[0] origin.test", "allowed", true);
        }

        @Override
        public boolean namesAddress(InetAddress address, int port) {
          return true;
        }
      };
      InetSocketAddress proxy = proxy(EgressProxy.builder(inspectAll).sandboxCa(ca)
          .upstreamTrust(HostTrust.of(List.of(publicCa.cert))).privacy(new FakeGuard("mask")));
      SSLContext client = TestCa.trusting(ca.certificate());
      try (Raw raw = new Raw(proxy)) {
        assertEquals(200, raw.connect("origin.test:" + tlsOrigin.port()));
        Raw tls = raw.tls(client, "origin.test");
        String masked = "mail [email] please";
        String body = "mail " + EMAIL + " please";
        tls.send("POST /echo HTTP/1.1\r\nHost: origin.test\r\nContent-Type: text/plain\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        Raw.Response r = tls.read();
        assertEquals(200, r.status());
        assertEquals(masked, r.body());
      }
      assertEquals(1, tlsOrigin.seen.size());
    }
    assertEquals(EgressEvent.Screening.MASKED, screened().getFirst().action());
  }
}
