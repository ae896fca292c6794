package dev.nemoclaw.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
}
