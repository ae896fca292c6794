package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.egress.InternalService;
import dev.nemoclaw.sandbox.SandboxPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** policy.local's listener believes only the proxy (the per-run secret), never anyone else. */
class EscalationsTest {
  static HttpResponse<String> post(InternalService s, Optional<String> token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + s.target().getPort() + "/v1/escalations"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"kind\":\"other\",\"reason\":\"more\"}"));
    token.ifPresent(t -> b.header("X-Nemoclaw-Token", t));
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutTheProxysSecretNothingIsAsked() throws Exception {
    try (Inbox inbox = new Inbox(Duration.ofSeconds(5), false, PolicyWriter.none());
        Escalations e = new Escalations("t", inbox, Optional::empty,
            new SandboxPlan.Resources(1 << 30, OptionalDouble.empty(), 64, Optional.empty()),
            new EscalatedEgress())) {
      InternalService s = e.service();
      assertEquals(403, post(s, Optional.empty()).statusCode());
      assertEquals(403, post(s, Optional.of("guess")).statusCode());
      assertTrue(inbox.pending().isEmpty(), "a request without the secret reached the inbox");
      HttpResponse<String> ok = post(s, Optional.of(s.headers().get("X-Nemoclaw-Token")));
      assertEquals(202, ok.statusCode(), ok.body());
      assertEquals(1, inbox.pending().size());
    }
  }
}
