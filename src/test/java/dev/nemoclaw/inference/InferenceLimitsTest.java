package dev.nemoclaw.inference;

import static dev.nemoclaw.inference.InferenceGatewayTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.spec.Budget;
import dev.nemoclaw.spec.Provider;
import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.testing.ManualClock;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inference.rateLimit and inference.budget: refused here, nothing more goes upstream. */
class InferenceLimitsTest {
  @TempDir Path dir;

  @Test
  void pastTheRateLimitTheAgentGets429WithRetryAfter() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"))
            .rateLimit(new RateLimit(2, Duration.ofMinutes(1)))
            .tuning(GatewayConfig.Tuning.defaults().withClock(clock)).start()) {
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "1")).statusCode());
      clock.advance(Duration.ofSeconds(20));
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "2")).statusCode());
      clock.advance(Duration.ofSeconds(10));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "3"));
      assertEquals(429, r.statusCode());
      assertEquals("30", r.headers().firstValue("Retry-After").orElse(""),
          "the first request leaves the window 60 s after it came, 30 s from now");
      JsonNode n = json(r);
      assertEquals("rate_limited", n.path("error").path("code").asText());
      assertEquals(2, n.path("rateLimit").path("requests").asInt());
      assertEquals("1m", n.path("rateLimit").path("per").asText());
      assertTrue(n.path("hint").asText().contains("inference.rateLimit"));
      assertEquals(2, fake.requests().size());
      clock.advance(Duration.ofSeconds(30));
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "4")).statusCode());
      assertEquals(3, fake.requests().size());
      assertEquals("rate_limited", rig.events(InferenceEvent.Refused.class).getFirst().code());
    }
  }

  @Test
  void aSpentTokenBudgetRefusesEveryFurtherCall() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"))
            .budget(new Budget(OptionalLong.of(12), Optional.empty())).start()) {
      // each call: 3 prompt tokens ("hello there!" = 12 chars) + 5 answer words = 8 tokens
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "hello there!"))
          .statusCode());
      assertEquals(4, rig.snapshot().budget().orElseThrow().tokensRemaining().getAsLong());
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "hello there!"))
          .statusCode());
      for (String path : new String[] {"/v1/chat/completions", "/v1/embeddings"}) {
        HttpResponse<String> r = rig.post(path, Rig.chat("main", "again"));
        assertEquals(429, r.statusCode());
        JsonNode n = json(r);
        assertEquals("budget_exhausted", n.path("error").path("code").asText());
        assertEquals(12, n.path("budget").path("tokens").asLong());
        assertEquals(16, n.path("spent").path("tokens").asLong());
        assertTrue(n.path("hint").asText().contains("raise inference.budget in agent.yaml"));
        assertEquals("false", r.headers().firstValue("x-should-retry").orElse(""));
      }
      assertEquals(2, fake.requests().size(), "nothing went upstream once the budget was spent");
      assertTrue(rig.snapshot().budget().orElseThrow().exhausted());
      assertEquals(2, rig.snapshot().refused());
    }
  }

  @Test
  void aSpentUsdBudgetRefusesToo() throws Exception {
    Files.writeString(dir.resolve("prices.json"), "{\"prices\":[{\"model\":\"pricey\","
        + "\"input\":100000,\"output\":100000}]}");
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "pricey"))
            .prices(PriceTable.load(dir.resolve("prices.json")))
            .budget(new Budget(OptionalLong.empty(), Optional.of(new BigDecimal("0.50")))).start()) {
      // 8 tokens at $0.10 each
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "hello there!"))
          .statusCode());
      assertEquals(0, new BigDecimal("0.8").compareTo(rig.snapshot().usd()));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "more"));
      assertEquals(429, r.statusCode());
      JsonNode n = json(r);
      assertEquals("budget_exhausted", n.path("error").path("code").asText());
      assertEquals(0, new BigDecimal("0.50").compareTo(n.path("budget").path("usd").decimalValue()));
      assertEquals(0, new BigDecimal("0.8").compareTo(n.path("spent").path("usd").decimalValue()));
      assertTrue(n.path("message").asText().contains("$0.8 of $0.50"), n.path("message").asText());
      assertEquals(1, fake.requests().size());
      assertEquals(0, rig.snapshot().budget().orElseThrow().usdRemaining().orElseThrow()
          .signum());
    }
  }
}
