package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.fake.FakeModel.Step;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fake model server as users start it: {@code java FakeModel.java --port 0 --key K}. */
class InferenceFakeModelTest {
  static final Path SOURCE = Path.of("tests/fake-model/dev/nemoclaw/fake/FakeModel.java");

  @Test
  void itRunsFromItsSourceFileAndSaysWhereItListens() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), SOURCE.toString(), "--port", "0", "--key",
        "K").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .build()) {
      String line = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8)).readLine();
      assertTrue(line != null && line.matches("listening on http://127\\.0\\.0\\.1:\\d+"),
          String.valueOf(line));
      URI base = URI.create(line.substring("listening on ".length()));
      HttpRequest.Builder chat = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(
              Rig.chat("m", "hi")));
      assertEquals(401, client.send(chat.build(), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      HttpResponse<String> ok = client.send(chat.header("Authorization", "Bearer K").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode());
      assertTrue(ok.body().contains("fake answer to: hi"), ok.body());
      client.send(HttpRequest.newBuilder(base.resolve("/_fake/behaviour"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"status\":500}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(500, client.send(chat.build(), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      String seen = client.send(HttpRequest.newBuilder(base.resolve("/_fake/requests")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertEquals(3, seen.split("\"method\":\"POST\"", -1).length - 1, seen);
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Scripted turns: each chat completion takes the next step — a tool call as OpenAI sends it
   * (whole, or streamed as name then arguments) or a text — then answers are normal again.
   */
  @Test
  void aScriptAnswersWithToolCallsThenTextThenAsBefore() throws Exception {
    try (FakeModel f = FakeModel.start(0, Optional.empty());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .build()) {
      f.script(List.of(Step.toolCall("exec", Map.of("command", "curl -s https://x.test")),
          Step.toolCall("exec", Map.of("command", "id")), Step.text("all done")));
      HttpRequest.Builder chat = HttpRequest.newBuilder(f.baseUrl().resolve("/v1/chat/completions"))
          .timeout(Duration.ofSeconds(10));
      String first = client.send(chat.POST(HttpRequest.BodyPublishers.ofString(
          Rig.chat("m", "go"))).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(first.contains("\"finish_reason\":\"tool_calls\""), first);
      assertTrue(first.contains("\"name\":\"exec\",\"arguments\":"
          + "\"{\\\"command\\\":\\\"curl -s https://x.test\\\"}\""), first);
      String streamed = client.send(chat.POST(HttpRequest.BodyPublishers.ofString(
          "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(streamed.contains("\"tool_calls\":[{\"index\":0,\"id\":"), streamed);
      assertTrue(streamed.contains("\"arguments\":\"{\\\"command\\\":\\\"id\\\"}\""), streamed);
      assertTrue(streamed.contains("\"finish_reason\":\"tool_calls\""), streamed);
      assertTrue(streamed.endsWith("data: [DONE]\n\n"), streamed);
      String third = client.send(chat.POST(HttpRequest.BodyPublishers.ofString(
          Rig.chat("m", "go"))).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(third.contains("\"content\":\"all done\""), third);
      assertEquals(0, f.scriptLeft());
      String after = client.send(chat.POST(HttpRequest.BodyPublishers.ofString(
          Rig.chat("m", "again"))).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(after.contains("fake answer to: again"), after);
      HttpResponse<String> bad = client.send(HttpRequest.newBuilder(
          f.baseUrl().resolve("/_fake/script")).POST(HttpRequest.BodyPublishers.ofString(
              "[{\"tool\":1}]")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode(), bad.body());
    }
  }
}
