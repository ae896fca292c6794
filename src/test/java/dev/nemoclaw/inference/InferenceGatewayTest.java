package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.spec.Provider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** inference.local's front door: who may call it, what it answers, where a request goes. */
class InferenceGatewayTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-test-7f3a9c1e5b";

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void withoutTheProxysSecretNothingReachesAProvider() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      HttpRequest.Builder b = HttpRequest.newBuilder(rig.uri("/v1/chat/completions"))
          .POST(HttpRequest.BodyPublishers.ofString(Rig.chat("main", "hi")));
      HttpResponse<String> none = rig.send(b.build());
      HttpResponse<String> wrong = rig.send(b.header(InferenceGateway.TOKEN_HEADER, "guess")
          .build());
      assertEquals(403, none.statusCode());
      assertEquals(403, wrong.statusCode());
      assertEquals("forbidden", json(wrong).path("error").path("code").asText());
      assertTrue(fake.requests().isEmpty(), "a request without the secret reached the provider");
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "hi")).statusCode());
      assertEquals(1, fake.requests().size());
      assertTrue(fake.requests().getFirst().header(InferenceGateway.TOKEN_HEADER).isEmpty(),
          "the secret was passed on to the provider");
    }
  }

  @Test
  void unknownPathsGetA404InTheErrorShape() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      HttpResponse<String> r = rig.get("/v1/nope");
      assertEquals(404, r.statusCode());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
      JsonNode n = json(r);
      assertEquals("error", n.path("type").asText());
      assertEquals("not_found", n.path("error").path("code").asText());
      assertEquals("not_found", n.path("error").path("type").asText());
      assertTrue(n.path("error").path("message").asText().contains("/v1/chat/completions"), r.body());
      assertTrue(n.path("message").asText().contains("/v1/nope"), r.body());
      assertTrue(n.path("hint").asText().contains("/v1/models"), r.body());
      assertEquals(404, rig.get("/v1/chat/completions").statusCode(), "GET on a POST endpoint");
      assertTrue(fake.requests().isEmpty());
    }
  }

  @Test
  void withoutRoutesEveryModelCallIs503SayingWhatToAdd() throws Exception {
    try (Rig rig = Rig.with().start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("gpt-4o", "hi"));
      assertEquals(503, r.statusCode());
      JsonNode n = json(r);
      assertEquals("no_routes", n.path("error").path("code").asText());
      assertTrue(n.path("hint").asText().contains("inference.routes"), r.body());
      assertEquals("false", r.headers().firstValue("x-should-retry").orElse(""));
      assertEquals(1, rig.snapshot().refused());
      InferenceEvent.Refused e = rig.events(InferenceEvent.Refused.class).getFirst();
      assertEquals("no_routes", e.code());
      assertEquals(503, e.status());
      assertEquals(0, json(rig.get("/v1/models")).path("data").size());
    }
  }

  @Test
  void modelsListsRouteNamesAndModels() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.NVIDIA, fake.baseUrl(), "nvidia/nemo"),
            Rig.route("cheap", Provider.OPENAI, fake.baseUrl(), "gpt-4o-mini")).start()) {
      JsonNode data = json(rig.get("/v1/models")).path("data");
      List<String> ids = data.findValuesAsText("id");
      assertEquals(List.of("main", "nvidia/nemo", "cheap", "gpt-4o-mini"), ids);
      assertEquals("model", data.get(0).path("object").asText());
      assertEquals("nemoclaw:nvidia", data.get(0).path("owned_by").asText());
      assertTrue(fake.requests().isEmpty(), "the list is the gateway's own");
    }
  }

  @Test
  void theRouteIsChosenByNameThenModelThenDefaultAndTheModelRewritten() throws Exception {
    try (FakeModel a = FakeModel.start(0, Optional.empty());
        FakeModel b = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, a.baseUrl(), "model-a"),
            Rig.route("alt", Provider.OPENAI, b.baseUrl(), "model-b")).defaultRoute("main")
            .start()) {
      rig.post("/v1/chat/completions", Rig.chat("alt", "by name"));
      rig.post("/v1/chat/completions", Rig.chat("model-b", "by model"));
      rig.post("/v1/chat/completions", Rig.chat("gpt-4o", "default"));
      rig.post("/v1/chat/completions", "{\"messages\":[]}");
      assertEquals(List.of("model-b", "model-b"), models(b));
      assertEquals(List.of("model-a", "model-a"), models(a));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("alt", "x"));
      assertEquals("model-b", json(r).path("model").asText(), "the provider saw the route model");
      assertEquals(List.of("alt", "alt", "main", "main", "alt"), rig.events(
          InferenceEvent.Call.class).stream().map(InferenceEvent.Call::route).toList());
    }
  }

  @Test
  void theBodyReachesTheProviderAsWrittenButForTheModel() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      rig.post("/v1/chat/completions", "{\"model\":\"main\",\"temperature\":0.10,\"top_p\":1.0,"
          + "\"seed\":12345678901234567890,\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9\"}]}");
      assertEquals("{\"model\":\"m\",\"temperature\":0.10,\"top_p\":1.0,\"seed\":"
          + "12345678901234567890,\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9\"}]}",
          fake.requests().getFirst().body());
    }
  }

  @Test
  void aKeyThatCannotBeAHeaderIsRefusedWithoutQuotingIt() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withKey(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"),
            "K")).credentials(Credentials.of(Map.of("K", "sk-abc\nInjected: yes"))).start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      assertEquals(503, r.statusCode());
      assertTrue(r.body().contains("control"), r.body());
      assertFalse(r.body().contains("sk-abc"), r.body());
      assertTrue(fake.requests().isEmpty());
    }
  }

  static List<String> models(FakeModel f) throws Exception {
    return f.requests().stream().map(r -> {
      try {
        return JSON.readTree(r.body()).path("model").asText();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Test
  void theProviderGetsTheHostKeyAndNeverTheAgentsCredentials() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.of(KEY));
        Rig rig = Rig.with(Rig.withKey(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"),
            "FAKE_API_KEY")).credentials(Credentials.of(Map.of("FAKE_API_KEY", KEY))).start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions?trace=1", Rig.chat("main", "hi"),
          "Authorization", "Bearer nemoclaw-placeholder-not-a-key", "x-api-key", "agent-key",
          "api-key", "agent-key", "Cookie", "session=1", "Proxy-Authorization", "Basic eA==",
          "OpenAI-Beta", "assistants=v2", "X-Nemoclaw-Peer-Exe", "/usr/bin/python3");
      assertEquals(200, r.statusCode(), r.body());
      FakeModel.Request seen = fake.requests().getFirst();
      assertEquals(Optional.of("Bearer " + KEY), seen.header("authorization"));
      for (String h : List.of("x-api-key", "api-key", "cookie", "proxy-authorization",
          "x-nemoclaw-peer-exe")) {
        assertEquals(Optional.empty(), seen.header(h), h + " reached the provider");
      }
      assertEquals(Optional.of("assistants=v2"), seen.header("openai-beta"));
      assertEquals("/v1/chat/completions?trace=1", seen.path(), "query string kept");
      assertEquals(Optional.of("/usr/bin/python3"),
          rig.events(InferenceEvent.Call.class).getFirst().peerExe());
      String everything = rig.events.stream().map(e -> e.toJsonLine())
          .reduce("", String::concat) + rig.snapshot().toJson() + r.body();
      assertFalse(everything.contains(KEY), "the key leaked: " + everything);
    }
  }

  /** A provider that quotes the key it was sent, as some do in 401s, must not leak it. */
  @Test
  void aProviderErrorQuotingTheKeyReachesTheAgentWithoutIt() throws Exception {
    HttpServer echo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        0);
    echo.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      int status = "500".equals(ex.getRequestURI().getRawQuery()) ? 500 : 401;
      byte[] b = ("{\"error\":{\"message\":\"Incorrect API key provided: "
          + ex.getRequestHeaders().getFirst("Authorization") + "\"}}")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    echo.start();
    try (Rig rig = Rig.with(Rig.withKey(Rig.route("main", Provider.OPENAI,
        URI.create("http://127.0.0.1:" + echo.getAddress().getPort() + "/v1"), "m"),
        "FAKE_API_KEY")).credentials(Credentials.of(Map.of("FAKE_API_KEY", KEY))).start()) {
      HttpResponse<String> passedOn = rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      HttpResponse<String> failed = rig.post("/v1/chat/completions?500", Rig.chat("main", "hi"));
      assertEquals(401, passedOn.statusCode());
      assertEquals(500, failed.statusCode());
      for (HttpResponse<String> r : List.of(passedOn, failed)) {
        assertTrue(r.body().contains("Incorrect API key provided: Bearer [key]"), r.body());
        assertFalse(r.body().contains(KEY), "the key leaked: " + r.body());
      }
      String events = rig.events.stream().map(e -> e.toJsonLine()).reduce("", String::concat)
          + rig.snapshot().toJson();
      assertFalse(events.contains(KEY), "the key leaked: " + events);
    } finally {
      echo.stop(0);
    }
  }

  @Test
  void anthropicRoutesGetXApiKeyAndAVersionAndKeepTheV1Path() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.of(KEY));
        Rig rig = Rig.with(Rig.withKey(Rig.route("claude", Provider.ANTHROPIC,
            URI.create("http://127.0.0.1:" + fake.port()), "claude-sonnet-4-5"), "ANTHROPIC_KEY"))
            .credentials(Credentials.of(Map.of("ANTHROPIC_KEY", KEY))).start()) {
      String msg = "{\"model\":\"claude\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"hello\"}]}";
      HttpResponse<String> r = rig.post("/v1/messages", msg, "x-api-key", "placeholder");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("fake answer to: hello", json(r).path("content").get(0).path("text").asText());
      FakeModel.Request seen = fake.requests().getFirst();
      assertEquals("/v1/messages", seen.path());
      assertEquals(Optional.of(KEY), seen.header("x-api-key"));
      assertEquals(Optional.of(Upstream.ANTHROPIC_VERSION), seen.header("anthropic-version"));
      assertEquals(Optional.empty(), seen.header("authorization"));
      rig.post("/v1/messages", msg, "anthropic-version", "2024-10-22", "anthropic-beta", "x-1");
      FakeModel.Request second = fake.requests().get(1);
      assertEquals(Optional.of("2024-10-22"), second.header("anthropic-version"),
          "the client's own version is kept");
      assertEquals(Optional.of("x-1"), second.header("anthropic-beta"));
    }
  }

  @Test
  void upstreamUrlsDropTheRequestsV1OnlyWhenTheBaseHasIt() {
    assertEquals(URI.create("https://api.openai.com/v1/chat/completions"), Upstream.uri(
        URI.create("https://api.openai.com/v1"), "/v1/chat/completions", Optional.empty()));
    assertEquals(URI.create("https://integrate.api.nvidia.com/v1/embeddings?x=1"), Upstream.uri(
        URI.create("https://integrate.api.nvidia.com/v1/"), "/v1/embeddings", Optional.of("x=1")));
    assertEquals(URI.create("https://api.anthropic.com/v1/messages"), Upstream.uri(
        URI.create("https://api.anthropic.com"), "/v1/messages", Optional.empty()));
    assertEquals(URI.create("http://gw:8080/openai/v1/responses"), Upstream.uri(
        URI.create("http://gw:8080/openai/v1"), "/v1/responses", Optional.empty()));
  }

  @Test
  void eventsAndSnapshotsSerializeWithPlainJacksonToTheirStableShape() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "gpt-4o")).start()) {
      rig.post("/v1/chat/completions", Rig.chat("main", "hi"));
      InferenceEvent e = rig.events.getFirst();
      assertEquals(e.toJsonLine(), JSON.writeValueAsString(e));
      JsonNode plain = JSON.readTree(JSON.writeValueAsString(e));
      assertEquals("call", plain.path("type").asText());
      assertEquals("main", plain.path("route").asText());
      assertFalse(plain.has("failedOverFrom"), "absent optionals are left out");
      JsonNode snap = JSON.readTree(JSON.writeValueAsString(rig.snapshot()));
      assertEquals(1, snap.path("requests").asLong());
      assertEquals("closed", snap.path("routes").get(0).path("state").asText());
    }
  }
}
