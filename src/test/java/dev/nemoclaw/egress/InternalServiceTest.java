package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * policy.local and friends: served by the supervisor, never by the policy or the network; reached
 * with absolute-form HTTP, or with a CONNECT the proxy answers itself.
 */
class InternalServiceTest {
  @Test
  void plainHttpReachesTheServiceWithItsSecretAndTheRealPeerNeverAForgedOne() throws Exception {
    try (Origin service = Origin.start("policy");
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(new InternalService("policy.local",
                new InetSocketAddress("127.0.0.1", service.port()), Map.of("X-Nemoclaw-Token", "s3")))
            .start()) {
      InetSocketAddress at = proxy.bind(new InetSocketAddress("127.0.0.1", 0));
      HttpClient c = HttpClient.newBuilder().proxy(ProxySelector.of(at)).build();
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://policy.local/hello"))
          .header("X-Nemoclaw-Peer-Exe", "/usr/bin/git").header("X-Nemoclaw-Token", "forged")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      Map<String, List<String>> h = service.seen.getFirst().headers();
      assertEquals(List.of("s3"), h.get("X-nemoclaw-token"), h.toString());
      assertFalse(h.containsKey("X-nemoclaw-peer-exe"), h.toString()); // unknown peer: not sent
    }
  }

  /**
   * A client that names the proxy's own headers in Connection (hop-by-hop: the proxy strips what
   * it names) cannot take the secret or the peer away from the service: they are set after.
   */
  @Test
  void connectionCannotStripTheSecretOrThePeer() throws Exception {
    try (Origin service = Origin.start("policy");
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(policyLocal(service)).start()) {
      assumeTrue(proxy.nativeTransport(), "adopting a socket needs epoll");
      int fd = EgressGuardTest.connectedFd(server);
      try (Socket s = server.accept()) {
        proxy.adopt(fd, Peer.of(4242, "/usr/bin/node"));
        Raw raw = Raw.over(s);
        raw.send("GET http://policy.local/hello HTTP/1.1\r\nHost: policy.local\r\n"
            + "Connection: X-Nemoclaw-Token, X-Nemoclaw-Peer-Exe, X-Nemoclaw-Peer-Pid\r\n\r\n");
        assertEquals(200, raw.read().status());
      }
      Map<String, List<String>> h = service.seen.getFirst().headers();
      assertEquals(List.of("s3"), h.get("X-nemoclaw-token"), h.toString());
      assertEquals(List.of("/usr/bin/node"), h.get("X-nemoclaw-peer-exe"), h.toString());
      assertEquals(List.of("4242"), h.get("X-nemoclaw-peer-pid"), h.toString());
    }
  }

  static InternalService policyLocal(Origin service) {
    return new InternalService("policy.local", new InetSocketAddress("127.0.0.1", service.port()),
        Map.of("X-Nemoclaw-Token", "s3"));
  }

  /** Node's HTTP client does this for http://policy.local/...: CONNECT, then HTTP inside. */
  @Test
  void connectOnPort80CarriesPlainHttpWithTheSecretAndThePeer() throws Exception {
    try (Origin service = Origin.start("policy");
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(policyLocal(service)).start()) {
      assumeTrue(proxy.nativeTransport(), "adopting a socket needs epoll");
      int fd = EgressGuardTest.connectedFd(server);
      try (Socket s = server.accept()) {
        proxy.adopt(fd, Peer.of(4242, "/usr/bin/node"));
        Raw raw = Raw.over(s);
        assertEquals(200, raw.connect("policy.local:80"));
        for (int i = 0; i < 2; i++) { // keep-alive inside the tunnel
          raw.send("GET /hello HTTP/1.1\r\nHost: policy.local\r\nX-Nemoclaw-Token: forged\r\n"
              + "X-Nemoclaw-Peer-Exe: /usr/bin/git\r\nX-Nemoclaw-Peer-Pid: 1\r\n\r\n");
          Raw.Response r = raw.read();
          assertEquals(200, r.status());
          assertEquals("hello from policy", r.body());
        }
      }
      assertEquals(2, service.seen.size());
      Map<String, List<String>> h = service.seen.getFirst().headers();
      assertEquals(List.of("s3"), h.get("X-nemoclaw-token"), h.toString());
      assertEquals(List.of("/usr/bin/node"), h.get("X-nemoclaw-peer-exe"), h.toString());
      assertEquals(List.of("4242"), h.get("X-nemoclaw-peer-pid"), h.toString());
    }
  }

  @Test
  void connectOn443IsRefusedWithoutASandboxCa() throws Exception {
    try (Origin service = Origin.start("policy");
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(policyLocal(service)).start();
        Raw raw = new Raw(proxy.bind(new InetSocketAddress("127.0.0.1", 0)))) {
      raw.send("CONNECT policy.local:443 HTTP/1.1\r\nHost: policy.local:443\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(403, r.status());
      JsonNode body = new ObjectMapper().readTree(r.body());
      assertTrue(body.get("reason").asText().contains("inspect: true"), r.body());
      assertTrue(body.get("hint").asText().contains("http://policy.local/"), r.body());
      assertTrue(service.seen.isEmpty());
    }
  }

  @Test
  void connectOn443WithASandboxCaIsTerminatedWithALeafForTheName() throws Exception {
    SandboxCa ca = SandboxCa.create("internal-test");
    try (Origin service = Origin.start("policy");
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(policyLocal(service)).sandboxCa(ca)
            .upstreamTrust(HostTrust.of(List.of())).start();
        Raw raw = new Raw(proxy.bind(new InetSocketAddress("127.0.0.1", 0)))) {
      assertEquals(200, raw.connect("policy.local:443"));
      Raw tls = raw.tls(TestCa.trusting(ca.certificate()), "policy.local");
      tls.send("GET /hello HTTP/1.1\r\nHost: policy.local\r\nX-Nemoclaw-Token: forged\r\n\r\n");
      Raw.Response r = tls.read();
      assertEquals(200, r.status());
      assertEquals("hello from policy", r.body());
      assertEquals(List.of("s3"), service.seen.getFirst().headers().get("X-nemoclaw-token"));
    }
  }

  @Test
  void otherPortsAreRefused() throws Exception {
    try (Origin service = Origin.start("policy");
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(policyLocal(service)).start();
        Raw raw = new Raw(proxy.bind(new InetSocketAddress("127.0.0.1", 0)))) {
      raw.send("CONNECT policy.local:8080 HTTP/1.1\r\nHost: policy.local:8080\r\n\r\n");
      Raw.Response r = raw.read();
      assertEquals(403, r.status());
      assertTrue(r.body().contains("port 80"), r.body());
      assertTrue(service.seen.isEmpty());
    }
  }
}
