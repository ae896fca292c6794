package dev.nemoclaw.inference;

import static dev.nemoclaw.inference.FakePrivacy.CARD;
import static dev.nemoclaw.inference.FakePrivacy.MASK;
import static dev.nemoclaw.inference.InferenceGatewayTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import dev.nemoclaw.spec.Provider;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** privacy on prompts (scope inference) and answers (scope output). */
class InferencePrivacyTest {
  static final String PROMPT = "pay with " + CARD + " today";

  static Rig rig(FakeModel fake, PrivacyAction action, PrivacyScope... scopes) throws Exception {
    return Rig.with(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"),
        Rig.route("claude", Provider.ANTHROPIC, URI.create("http://127.0.0.1:" + fake.port()),
            "claude-haiku-4-5"))
        .privacy(new FakePrivacy(Set.of(scopes), action)).start();
  }

  @Test
  void aMaskedPromptArrivesMasked() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.MASK, PrivacyScope.INFERENCE)) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", PROMPT));
      assertEquals(200, r.statusCode());
      String seen = fake.requests().getFirst().body();
      assertFalse(seen.contains(CARD), seen);
      assertTrue(seen.contains("pay with " + MASK + " today"), seen);
      InferenceEvent.PrivacyFinding p = rig.events(InferenceEvent.PrivacyFinding.class)
          .getFirst();
      assertEquals(PrivacyScope.INFERENCE, p.scope());
      assertEquals("mask", p.action());
      assertEquals(Map.of("credit-card", 1), p.detectors());
      assertFalse(p.toJsonLine().contains(CARD));
    }
  }

  @Test
  void aBlockedPromptNeverReachesTheProvider() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.BLOCK, PrivacyScope.INFERENCE)) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", PROMPT));
      assertEquals(400, r.statusCode());
      assertEquals("privacy_blocked", json(r).path("error").path("code").asText());
      assertEquals("[\"credit-card\"]", json(r).path("detectors").toString());
      assertFalse(r.body().contains(CARD), "the value is never echoed");
      assertTrue(fake.requests().isEmpty());
      assertEquals("block", rig.events(InferenceEvent.PrivacyFinding.class).getFirst().action());
      assertEquals("privacy_blocked", rig.events(InferenceEvent.Refused.class).getFirst().code());
    }
  }

  @Test
  void anAuditedPromptGoesOnUnchangedAndIsRecorded() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.AUDIT, PrivacyScope.INFERENCE)) {
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", PROMPT)).statusCode());
      assertTrue(fake.requests().getFirst().body().contains(CARD));
      assertEquals("audit", rig.events(InferenceEvent.PrivacyFinding.class).getFirst().action());
      String answer = rig.post("/v1/chat/completions", Rig.chat("main", PROMPT)).body();
      assertTrue(answer.contains(CARD), "output is not scanned unless in scope");
    }
  }

  @Test
  void answersAreMaskedWhenOutputIsInScope() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.MASK, PrivacyScope.OUTPUT)) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", PROMPT));
      assertTrue(fake.requests().getFirst().body().contains(CARD), "prompts not in scope");
      assertEquals(200, r.statusCode());
      assertEquals("fake answer to: pay with " + MASK + " today",
          json(r).path("choices").get(0).path("message").path("content").asText());
      InferenceEvent.PrivacyFinding p = rig.events(InferenceEvent.PrivacyFinding.class)
          .getFirst();
      assertEquals(PrivacyScope.OUTPUT, p.scope());
      assertEquals(Optional.of("main"), p.route());
    }
  }

  @Test
  void streamedAnswersAreMaskedEventByEvent() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.MASK, PrivacyScope.OUTPUT)) {
      HttpResponse<String> claude = rig.post("/v1/messages", "{\"model\":\"claude\",\"stream\":"
          + "true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT
          + "\"}]}");
      HttpResponse<String> openai = rig.post("/v1/chat/completions",
          Rig.chatStream("main", PROMPT));
      for (HttpResponse<String> r : List.of(claude, openai)) {
        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains(CARD), r.body());
        assertTrue(r.body().contains(" " + MASK), r.body());
        // every event is still valid JSON after masking
        assertTrue(InferenceStreamingTest.events(r.body()).size() > 5);
      }
      assertTrue(claude.body().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}"
          + "\n\n"), claude.body());
      assertTrue(openai.body().endsWith("data: [DONE]\n\n"), openai.body());
      assertEquals(Map.of("credit-card", 1), rig.events(InferenceEvent.PrivacyFinding.class)
          .getFirst().detectors(), "one event per answer, not per stream event");
      assertFalse(rig.events(InferenceEvent.Call.class).getFirst().estimated(),
          "usage still read from the masked stream");
    }
  }

  @Test
  void aBlockedStreamEndsWithAnErrorEvent() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.BLOCK, PrivacyScope.OUTPUT)) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chatStream("main", PROMPT));
      assertEquals(200, r.statusCode(), "the stream had begun");
      assertFalse(r.body().contains(CARD), r.body());
      assertTrue(r.body().contains("\"content\":\" with\""), "what came before was sent");
      String last = r.body().substring(r.body().lastIndexOf("event: "));
      assertTrue(last.startsWith("event: error\ndata: "), last);
      assertTrue(last.contains("\"code\":\"privacy_blocked_output\""), last);
      assertFalse(r.body().contains("[DONE]"));
      assertEquals(Optional.of("privacy_blocked_output"),
          rig.events(InferenceEvent.Call.class).getLast().error());
    }
  }

  @Test
  void aBlockedAnswerIsReplacedByAnError() throws Exception {
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = rig(fake, PrivacyAction.BLOCK, PrivacyScope.OUTPUT)) {
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", PROMPT));
      assertEquals(502, r.statusCode());
      assertEquals("privacy_blocked_output", json(r).path("error").path("code").asText());
      assertFalse(r.body().contains(CARD));
      InferenceEvent.Call c = rig.events(InferenceEvent.Call.class).getLast();
      assertEquals(Optional.of("privacy_blocked_output"), c.error());
      assertTrue(c.completionTokens() > 0, "the provider's tokens were spent all the same");
    }
  }
}
