package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** policy.local and friends: served by the supervisor, never by the policy or the network. */
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

  @Test
  void connectToTheServiceIsRefused() throws Exception {
    try (Origin service = Origin.start("policy");
        EgressProxy proxy = EgressProxy.builder(TestPolicy.allowing(Set.of(), Set.of()))
            .internal(new InternalService("policy.local",
                new InetSocketAddress("127.0.0.1", service.port()), Map.of()))
            .start();
        Raw raw = new Raw(proxy.bind(new InetSocketAddress("127.0.0.1", 0)))) {
      raw.send("CONNECT policy.local:443 HTTP/1.1\r\nHost: policy.local:443\r\n\r\n");
      assertTrue(raw.line().startsWith("HTTP/1.1 403"));
      assertTrue(service.seen.isEmpty());
    }
  }
}
