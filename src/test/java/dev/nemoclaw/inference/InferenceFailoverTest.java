package dev.nemoclaw.inference;

import static dev.nemoclaw.inference.InferenceGatewayTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.spec.Provider;
import dev.nemoclaw.spec.Route;
import dev.nemoclaw.testing.ManualClock;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a route fails, its fallbacks answer; a route that keeps failing is skipped for a while. */
class InferenceFailoverTest {
  static Route main(FakeModel f) {
    return Rig.withFallback(Rig.route("main", Provider.OPENAI, f.baseUrl(), "main-model"),
        "backup");
  }

  static Route backup(FakeModel f) {
    return Rig.route("backup", Provider.OPENAI, f.baseUrl(), "backup-model");
  }

  @Test
  void a500FailsOverToTheFallbackWithItsModel() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(main(a), backup(b)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(500));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("backup-model", json(r).path("model").asText());
      assertEquals(1, a.requests().size());
      assertEquals(List.of("backup-model"), InferenceGatewayTest.models(b));
      List<InferenceEvent.Call> calls = rig.events(InferenceEvent.Call.class);
      assertEquals(500, calls.get(0).status());
      assertEquals(Optional.of("HTTP 500"), calls.get(0).error());
      assertEquals(200, calls.get(1).status());
      assertEquals(Optional.of("main"), calls.get(1).failedOverFrom());
      InferenceEvent.Failover f = rig.events(InferenceEvent.Failover.class).getFirst();
      assertEquals("main", f.from());
      assertEquals("backup", f.to());
      assertTrue(f.reason().contains("500"), f.reason());
      RouteHealth h = rig.snapshot().routes().getFirst();
      assertEquals(1, h.calls());
      assertEquals(1, h.failures());
    }
  }

  @Test
  void aRouteSlowerThanItsTimeoutFailsOver() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withTimeout(main(a), Duration.ofMillis(400)), backup(b)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withDelayMs(5000));
      long t0 = System.nanoTime();
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("backup-model", json(r).path("model").asText());
      assertTrue(ms < 4000, "waited " + ms + " ms for a route with a 400 ms timeout");
      InferenceEvent.Call timedOut = rig.events(InferenceEvent.Call.class).getFirst();
      assertEquals(0, timedOut.status());
      assertTrue(timedOut.error().orElseThrow().contains("no answer within 400ms"),
          timedOut.error().orElseThrow());
    }
  }

  @Test
  void withoutAFallbackTheLastFailureIsTheAnswer() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withTimeout(Rig.route("main", Provider.OPENAI, a.baseUrl(), "m"),
            Duration.ofMillis(300)),
            Rig.route("dead", Provider.OPENAI, URI.create("http://127.0.0.1:1/v1"), "m")).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(503));
      HttpResponse<String> passed = rig.post("/v1/chat/completions", Rig.chat("main", "x"));
      assertEquals(503, passed.statusCode());
      assertEquals("fake failure 503", json(passed).path("error").path("message").asText(),
          "the provider's own error is passed on");
      a.behave(FakeModel.Behaviour.NORMAL.withDelayMs(3000));
      HttpResponse<String> slow = rig.post("/v1/chat/completions", Rig.chat("main", "x"));
      assertEquals(504, slow.statusCode());
      assertEquals("upstream_timeout", json(slow).path("error").path("code").asText());
      HttpResponse<String> dead = rig.post("/v1/chat/completions", Rig.chat("dead", "x"));
      assertEquals(502, dead.statusCode());
      assertEquals("upstream_unreachable", json(dead).path("error").path("code").asText());
      assertTrue(json(dead).path("hint").asText().contains("baseUrl"), dead.body());
    }
  }

  @Test
  void clientErrorsArePassedOnWithoutFailover() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(main(a), backup(b)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(400));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      assertEquals(400, r.statusCode());
      assertEquals("fake failure 400", json(r).path("error").path("message").asText());
      assertTrue(b.requests().isEmpty(), "a 400 is the client's problem, not a reason to fail over");
      assertEquals("closed", rig.snapshot().routes().getFirst().state());
    }
  }

  @Test
  void a429FailsOver() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(main(a), backup(b)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(429));
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "hi")).statusCode());
      assertEquals(1, b.requests().size());
    }
  }

  @Test
  void aMissingKeyFailsOverAndSaysWhereToPutIt() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withKey(main(a), "NOT_SET_ANYWHERE"), backup(b)).start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(a.requests().isEmpty(), "a route without its key must not be called");
      assertEquals(1, b.requests().size());
      InferenceEvent.Failover f = rig.events(InferenceEvent.Failover.class).getFirst();
      assertTrue(f.reason().contains("NOT_SET_ANYWHERE"), f.reason());
      RouteHealth h = rig.snapshot().routes().getFirst();
      assertEquals(0, h.calls());
      assertEquals(1, h.failures());
      assertTrue(h.lastError().orElseThrow().contains("NOT_SET_ANYWHERE"));
    }
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withKey(Rig.route("main", Provider.OPENAI, a.baseUrl(), "m"),
            "NOT_SET_ANYWHERE")).start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      assertEquals(503, r.statusCode());
      assertEquals("missing_credentials", json(r).path("error").path("code").asText());
      assertTrue(json(r).path("hint").asText().contains("export NOT_SET_ANYWHERE"), r.body());
      assertTrue(json(r).path("hint").asText().contains("credentials"), r.body());
      assertEquals("false", r.headers().firstValue("x-should-retry").orElse(""));
      assertEquals("missing_credentials",
          rig.events(InferenceEvent.Refused.class).getFirst().code());
    }
  }

  @Test
  void theCircuitOpensAfterFailuresAndAHalfOpenProbeClosesIt() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(main(a), backup(b)).tuning(GatewayConfig.Tuning.defaults()
            .withBreaker(2, Duration.ofSeconds(30)).withClock(clock)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(500));
      rig.post("/v1/chat/completions", Rig.chat("main", "1"));
      assertEquals("closed", rig.snapshot().routes().getFirst().state());
      rig.post("/v1/chat/completions", Rig.chat("main", "2"));
      RouteHealth open = rig.snapshot().routes().getFirst();
      assertEquals("open", open.state());
      assertEquals(Optional.of(clock.instant().plusSeconds(30)), open.retryAt());

      a.behave(FakeModel.Behaviour.NORMAL);
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "3")).statusCode());
      assertEquals(2, a.requests().size(), "an open route is skipped");
      assertEquals(3, b.requests().size());
      assertTrue(rig.events(InferenceEvent.Failover.class).getLast().reason()
          .contains("open-circuit"));

      clock.advance(Duration.ofSeconds(31));
      assertEquals("half-open", rig.snapshot().routes().getFirst().state());
      HttpResponse<String> probe = rig.post("/v1/chat/completions", Rig.chat("main", "4"));
      assertEquals("main-model", json(probe).path("model").asText(), "the probe went to main");
      assertEquals(3, a.requests().size());
      assertEquals("closed", rig.snapshot().routes().getFirst().state());
    }
  }

  @Test
  void aFailedProbeReopensAndWithoutFallbackTheAgentLearnsWhenToRetry() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2025-01-01T00:00:00Z"));
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, a.baseUrl(), "m"))
            .tuning(GatewayConfig.Tuning.defaults().withBreaker(1, Duration.ofSeconds(20))
                .withClock(clock)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withStatus(500));
      rig.post("/v1/chat/completions", Rig.chat("main", "1"));
      clock.advance(Duration.ofSeconds(5));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "2"));
      assertEquals(503, r.statusCode());
      assertEquals("route_unavailable", json(r).path("error").path("code").asText());
      assertEquals("15", r.headers().firstValue("Retry-After").orElse(""));
      assertEquals(15, json(r).path("retryAfterSeconds").asInt());
      assertEquals(1, a.requests().size());

      clock.advance(Duration.ofSeconds(16));
      assertEquals(500, rig.post("/v1/chat/completions", Rig.chat("main", "3")).statusCode());
      assertEquals(2, a.requests().size(), "one probe");
      assertEquals("open", rig.snapshot().routes().getFirst().state());
    }
  }

  @Test
  void slowAnswersOpenTheCircuitToo() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(main(a), backup(b)).tuning(GatewayConfig.Tuning.defaults()
            .withSlowCalls(Duration.ofMillis(100), 2)).start()) {
      a.behave(FakeModel.Behaviour.NORMAL.withDelayMs(250));
      rig.post("/v1/chat/completions", Rig.chat("main", "1"));
      assertEquals("closed", rig.snapshot().routes().getFirst().state());
      rig.post("/v1/chat/completions", Rig.chat("main", "2"));
      assertEquals("open", rig.snapshot().routes().getFirst().state(),
          "2 of the last 2 answers were slow");
      assertTrue(b.requests().isEmpty(), "slow answers are still answers");
    }
  }

}
