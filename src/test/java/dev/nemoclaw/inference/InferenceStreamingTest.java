package dev.nemoclaw.inference;

import static dev.nemoclaw.inference.InferenceGatewayTest.JSON;
import static dev.nemoclaw.inference.InferenceGatewayTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.spec.Provider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Streams pass through as they come; usage is read from streams and plain answers alike. */
class InferenceStreamingTest {

  /** The data of each event of an SSE body, as JSON (the [DONE] marker left out). */
  static List<JsonNode> events(String sse) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: {")) {
        out.add(JSON.readTree(line.substring(6)));
      }
    }
    return out;
  }

  static InferenceEvent.Call lastCall(Rig rig) {
    return rig.events(InferenceEvent.Call.class).getLast();
  }

  @Test
  void chunksReachTheAgentWhileTheProviderIsStillSending() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      fake.behave(FakeModel.Behaviour.NORMAL.withChunkDelayMs(400));
      long t0 = System.nanoTime();
      HttpResponse<java.io.InputStream> r = rig.postStream("/v1/chat/completions",
          Rig.chatStream("main", "one two three"));
      assertEquals(200, r.statusCode());
      assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
      long firstMs = -1;
      int dataLines = 0;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("data:")) {
            dataLines++;
            if (firstMs < 0) {
              firstMs = (System.nanoTime() - t0) / 1_000_000;
              assertTrue(rig.events(InferenceEvent.Call.class).isEmpty(),
                  "the gateway had the whole stream before the agent got its first chunk");
            }
          }
        }
      }
      long endMs = (System.nanoTime() - t0) / 1_000_000;
      // 10 events 400 ms apart: the stream takes >= 3.6 s; the first must not wait for the rest
      assertTrue(endMs >= 3500, "the stream ended after " + endMs + " ms");
      assertTrue(firstMs < endMs - 2500, "first chunk at " + firstMs + " ms, end at " + endMs);
      assertEquals(10, dataLines);
      assertTrue(lastCall(rig).streamed());
    }
  }

  @Test
  void theRouteTimeoutBoundsTheWaitForHeadersNotTheStream() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withTimeout(Rig.route("main", Provider.OPENAI, fake.baseUrl(),
            "m"), Duration.ofMillis(700))).start()) {
      fake.behave(FakeModel.Behaviour.NORMAL.withChunkDelayMs(200));
      HttpResponse<String> r = rig.post("/v1/chat/completions",
          Rig.chatStream("main", "a b c d"));
      assertEquals(200, r.statusCode());
      assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
      assertEquals(Optional.empty(), lastCall(rig).error());
    }
  }

  @Test
  void openAiStreamsAreAskedForUsageAndMeteredFromTheLastChunk() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "gpt-4o-mini"))
            .start()) {
      HttpResponse<String> r = rig.post("/v1/chat/completions",
          Rig.chatStream("main", "count these words please"));
      JsonNode sent = JSON.readTree(fake.requests().getFirst().body());
      assertTrue(sent.path("stream_options").path("include_usage").asBoolean());
      JsonNode usage = events(r.body()).getLast().path("usage");
      InferenceEvent.Call c = lastCall(rig);
      assertEquals(usage.path("prompt_tokens").asLong(), c.promptTokens());
      assertEquals(usage.path("completion_tokens").asLong(), c.completionTokens());
      assertTrue(c.completionTokens() > 0);
      assertFalse(c.estimated());
      assertEquals(c.promptTokens() + c.completionTokens(), rig.snapshot().tokens());
    }
  }

  @Test
  void aClientsOwnStreamOptionsAreLeftAloneAndUsageIsThenEstimated() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      rig.post("/v1/chat/completions", "{\"model\":\"main\",\"stream\":true,\"stream_options\":"
          + "{\"include_usage\":false},\"messages\":[{\"role\":\"user\",\"content\":\""
          + "a prompt of forty characters, give or ta\"}]}");
      JsonNode sent = JSON.readTree(fake.requests().getFirst().body());
      assertFalse(sent.path("stream_options").path("include_usage").asBoolean());
      InferenceEvent.Call c = lastCall(rig);
      assertTrue(c.estimated());
      assertEquals(10, c.promptTokens(), "40 characters of prompt / 4");
      assertTrue(c.completionTokens() > 0);
      assertEquals(1, rig.snapshot().estimatedCalls());
    }
  }

  @Test
  void anthropicStreamsAreMeteredFromMessageStartAndMessageDelta() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("claude", Provider.ANTHROPIC,
            URI.create("http://127.0.0.1:" + fake.port()), "claude-haiku-4-5")).start()) {
      HttpResponse<String> r = rig.post("/v1/messages", "{\"model\":\"claude\",\"stream\":true,"
          + "\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"a longer question "
          + "for the model\"}]}");
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("event: message_start\n"), r.body());
      List<JsonNode> ev = events(r.body());
      long input = ev.getFirst().path("message").path("usage").path("input_tokens").asLong();
      long output = ev.stream().filter(e -> e.path("type").asText().equals("message_delta"))
          .findFirst().orElseThrow().path("usage").path("output_tokens").asLong();
      assertTrue(output > 1, "the delta's count, not message_start's placeholder 1");
      InferenceEvent.Call c = lastCall(rig);
      assertEquals(input, c.promptTokens());
      assertEquals(output, c.completionTokens());
      assertFalse(c.estimated());
      assertFalse(fake.requests().getFirst().body().contains("stream_options"),
          "stream_options is OpenAI's");
    }
  }

  @Test
  void responsesStreamsAreMeteredFromResponseCompleted() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "o4-mini")).start()) {
      HttpResponse<String> r = rig.post("/v1/responses",
          "{\"model\":\"main\",\"stream\":true,\"input\":\"what is up\"}");
      JsonNode done = events(r.body()).getLast();
      assertEquals("response.completed", done.path("type").asText());
      InferenceEvent.Call c = lastCall(rig);
      assertEquals(done.path("response").path("usage").path("input_tokens").asLong(),
          c.promptTokens());
      assertEquals(done.path("response").path("usage").path("output_tokens").asLong(),
          c.completionTokens());
    }
  }

  @Test
  void plainAnswersAreMeteredFromTheirUsage() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"),
            Rig.route("claude", Provider.ANTHROPIC, URI.create("http://127.0.0.1:"
                + fake.port()), "claude-sonnet-4-5")).start()) {
      JsonNode chat = json(rig.post("/v1/chat/completions", Rig.chat("main", "hello there")));
      InferenceEvent.Call c = lastCall(rig);
      assertEquals(chat.path("usage").path("prompt_tokens").asLong(), c.promptTokens());
      assertEquals(chat.path("usage").path("completion_tokens").asLong(), c.completionTokens());
      assertFalse(c.streamed());

      JsonNode msg = json(rig.post("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":9,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
      c = lastCall(rig);
      assertEquals(msg.path("usage").path("input_tokens").asLong(), c.promptTokens());
      assertEquals(msg.path("usage").path("output_tokens").asLong(), c.completionTokens());

      JsonNode emb = json(rig.post("/v1/embeddings", "{\"model\":\"main\",\"input\":\"embed me\"}"));
      c = lastCall(rig);
      assertEquals(emb.path("usage").path("prompt_tokens").asLong(), c.promptTokens());
      assertEquals(0, c.completionTokens());

      JsonNode cmp = json(rig.post("/v1/completions", "{\"model\":\"main\",\"prompt\":\"once\"}"));
      assertEquals(cmp.path("usage").path("completion_tokens").asLong(),
          lastCall(rig).completionTokens());
      assertEquals(4, rig.snapshot().requests());
      assertEquals(0, rig.snapshot().estimatedCalls());
    }
  }

  @Test
  void withoutUsageAnAnswerIsEstimatedAndMarked() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m")).start()) {
      fake.behave(FakeModel.Behaviour.NORMAL.withUsage(false).withAnswer("12345678"));
      rig.post("/v1/chat/completions", Rig.chat("main", "abcdefghijkl"));
      InferenceEvent.Call c = lastCall(rig);
      assertTrue(c.estimated());
      assertEquals(3, c.promptTokens(), "12 characters / 4");
      assertEquals(2, c.completionTokens(), "8 characters / 4");
      assertTrue(c.toJsonLine().contains("\"estimated\":true"));
    }
  }
}
