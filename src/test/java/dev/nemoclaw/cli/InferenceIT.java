package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.fake.FakeModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * inference.local end to end: the real CLI, a real sandbox, clients inside (curl, python3) and
 * the fake model server outside standing in for a provider.
 */
class InferenceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Only the key has this prefix, so finding it anywhere inside is a leak. */
  private static final String KEY = "sk-nemotest-" + HexFormat.of().formatHex(
      new SecureRandom().generateSeed(16));
  /** The same prefix as a pattern that does not match its own spelling in a command line. */
  private static final String KEY_PATTERN = "sk-nemo[t]est-";

  @TempDir static Path work;
  static FakeModel provider;
  static FakeModel failing;

  @BeforeAll
  static void start() throws Exception {
    provider = FakeModel.start(0, Optional.of(KEY));
    failing = FakeModel.start(0, Optional.of(KEY), FakeModel.Behaviour.NORMAL.withStatus(500));
  }

  @AfterAll
  static void stop() {
    provider.close();
    failing.close();
  }

  private static Path spec(String name, String extra) throws Exception {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: NAME
        command: [true]
        network:
          mode: proxy
          unknown: deny
        inference:
          routes:
            - name: main
              provider: openai
              baseUrl: BASE
              model: gpt-4o-mini
              apiKeyEnv: NEMOTEST_KEY
        """.replace("NAME", name).replace("BASE", provider.baseUrl().toString()) + extra);
    return f;
  }

  private static Cli.Result run(Path spec, List<String> prefix, Path home, String... args)
      throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "run";
    all[1] = spec.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.run(Map.of("NEMOCLAW_HOME", home.toString(), "NEMOTEST_KEY", KEY), prefix, all);
  }

  private static String chat(String content, boolean stream) {
    return "'{\"model\":\"main\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}'";
  }

  private static String line(Cli.Result r, String name) {
    return r.stdout().lines().filter(l -> l.startsWith(name + ": ")).findFirst()
        .map(l -> l.substring(name.length() + 2)).orElseThrow(() -> new AssertionError(
            "no line '" + name + ":' in\n" + r));
  }

  /**
   * The provider gets the real key; inside, the agent's environment, every process's command
   * line and the files it can read hold only the placeholder. As root and rootless.
   */
  @Test
  void theProviderGetsTheKeyAndTheSandboxNeverSeesIt() throws Exception {
    keyStaysOutside(null, work.resolve("home-root"), "inf-key");
  }

  @Test
  void rootlessRunsKeepTheKeyOutsideToo() throws Exception {
    new ProcessBuilder("chmod", "a+rx", work.toString()).start().waitFor(); // our own temp dir
    Path home = work.resolve("home-rootless");
    Files.createDirectories(home);
    new ProcessBuilder("chown", "65534:65534", home.toString()).start().waitFor();
    keyStaysOutside(Cli.ROOTLESS, home, "inf-key-rootless");
  }

  private void keyStaysOutside(List<String> prefix, Path home, String name) throws Exception {
    Files.createDirectories(home);
    Path report = home.resolve("report.json"); // where a rootless run may write
    int before = provider.requests().size();
    Cli.Result r = run(spec(name, ""), prefix, home, "--report", report.toString(), "--",
        "sh", "-c", """
        echo "answer: $(curl -sS http://inference.local/v1/chat/completions \\
          -H 'content-type: application/json' -H "authorization: Bearer $OPENAI_API_KEY" \\
          -d CHAT)"
        echo "placeholder: $OPENAI_API_KEY"
        echo "environ: $(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c 'PAT')"
        echo "cmdline: $(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c 'PAT')"
        echo "files: $(grep -rls 'PAT' /sandbox /tmp /etc /run /dev/shm 2>/dev/null | wc -l)"
        """.replace("CHAT", chat("hello", false)).replace("PAT", KEY_PATTERN));
    assertEquals(0, r.exit(), r::toString);
    JsonNode answer = JSON.readTree(line(r, "answer"));
    assertEquals("fake answer to: hello",
        answer.path("choices").path(0).path("message").path("content").asText(), r::toString);
    assertEquals("nemoclaw-placeholder-not-a-key", line(r, "placeholder"));
    assertEquals("0", line(r, "environ"), r::toString);
    assertEquals("0", line(r, "cmdline"), r::toString);
    assertEquals("0", line(r, "files"), r::toString);
    assertFalse(r.stdout().contains(KEY) || r.stderr().contains(KEY), "the key was printed");
    List<FakeModel.Request> got = provider.requests().subList(before, provider.requests().size());
    assertEquals(1, got.size(), "one call reached the provider");
    assertEquals(Optional.of("Bearer " + KEY), got.getFirst().header("authorization"));
    assertEquals("gpt-4o-mini", JSON.readTree(got.getFirst().body()).path("model").asText(),
        "the route's model replaced the agent's 'main'");
    JsonNode inf = JSON.readTree(report.toFile()).path("inference");
    assertEquals(1, inf.path("requests").asLong(), inf::toString);
    assertTrue(inf.path("tokens").asLong() > 0, inf::toString);
    assertTrue(inf.path("usd").decimalValue().signum() > 0, "gpt-4o-mini is priced: " + inf);
  }

  /**
   * The acceptance example: examples/inference asks from python3 and prints the answer; a card
   * number in the prompt reaches the provider masked; the report has tokens, cost and finding.
   */
  @Test
  void theExampleAsksFromPythonAndMasksACardNumber() throws Exception {
    Path home = work.resolve("home-example");
    Path report = work.resolve("example.json");
    int before = provider.requests().size();
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", home.toString(), "NVIDIA_API_KEY", KEY,
            "INFERENCE_URL", provider.baseUrl().toString()), null,
        "run", "--report", report.toString(), "examples/inference/agent.yaml", "--", "python3",
        "ask.py", "My card is 4111 1111 1111 1111. Which network issued it?");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("fake answer to: My card is [REDACTED:credit-card]."),
        r::toString);
    List<FakeModel.Request> got = provider.requests().subList(before, provider.requests().size());
    assertEquals(1, got.size());
    assertFalse(got.getFirst().body().contains("4111"), got.getFirst().body());
    assertTrue(got.getFirst().body().contains("[REDACTED:credit-card]"), got.getFirst().body());
    JsonNode rep = JSON.readTree(report.toFile());
    assertTrue(rep.path("inference").path("tokens").asLong() > 0, rep::toString);
    assertTrue(rep.path("inference").path("usd").decimalValue().signum() > 0, rep::toString);
    JsonNode finding = rep.path("privacy").path("findings").path(0);
    assertEquals("credit-card", finding.path("detector").asText(), rep::toString);
    assertEquals("mask", finding.path("action").asText(), rep::toString);
    assertEquals("inference", finding.path("scope").asText(), rep::toString);
  }

  /** action: block: the prompt never leaves and the agent gets a JSON reason. */
  @Test
  void aBlockedPromptNeverReachesTheProvider() throws Exception {
    int before = provider.requests().size();
    Cli.Result r = run(spec("inf-block", """
        privacy:
          detectors: [credit-card]
          action: block
        """), null, work.resolve("home-block"), "--", "sh", "-c", """
        echo "status: $(curl -s -o /tmp/body -w '%{http_code}' http://inference.local/v1/chat/completions \\
          -H 'content-type: application/json' -d CHAT)"
        echo "body: $(cat /tmp/body)"
        """.replace("CHAT", chat("card 4111-1111-1111-1111", false)));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("400", line(r, "status"), r::toString);
    JsonNode body = JSON.readTree(line(r, "body"));
    assertEquals("privacy_blocked", body.path("error").path("code").asText(), body::toString);
    assertFalse(line(r, "body").contains("4111"), "the refusal must not echo the value");
    assertEquals(before, provider.requests().size(), "nothing reached the provider");
  }

  /**
   * OpenClaw's way in: CONNECT inference.local:80, then HTTP inside the tunnel; a streamed answer
   * arrives as server-sent events. The failing route falls over to the working one, and once the
   * token budget is spent the gateway answers 429 by itself.
   */
  @Test
  void tunnelledStreamingFailoverAndBudget() throws Exception {
    Path spec = work.resolve("inf-flow.yaml");
    Files.writeString(spec, """
        apiVersion: nemoclaw.dev/v1
        name: inf-flow
        command: [true]
        network: {mode: proxy, unknown: deny}
        inference:
          routes:
            - {name: main, provider: openai, baseUrl: FAILING, model: gpt-4o, apiKeyEnv: NEMOTEST_KEY, fallback: backup}
            - {name: backup, provider: openai, baseUrl: BASE, model: gpt-4o-mini, apiKeyEnv: NEMOTEST_KEY}
          budget: {tokens: 5}
        """.replace("FAILING", failing.baseUrl().toString())
        .replace("BASE", provider.baseUrl().toString()));
    Path report = work.resolve("flow.json");
    Cli.Result r = run(spec, null, work.resolve("home-flow"), "--report", report.toString(),
        "--", "sh", "-c", """
        curl -sS -N --proxytunnel http://inference.local/v1/chat/completions \\
          -H 'content-type: application/json' -d CHAT > /tmp/stream
        echo "events: $(grep -c '^data: ' /tmp/stream)"
        echo "done: $(grep -c '^data: \\[DONE\\]' /tmp/stream)"
        echo "second: $(curl -s -w ' %{http_code}' http://inference.local/v1/chat/completions \\
          -H 'content-type: application/json' -d CHAT)"
        """.replace("CHAT", chat("stream please", true)));
    assertEquals(0, r.exit(), r::toString);
    assertTrue(Integer.parseInt(line(r, "events")) >= 3, r::toString);
    assertEquals("1", line(r, "done"), r::toString);
    String second = line(r, "second");
    assertTrue(second.endsWith(" 429"), second);
    assertEquals("budget_exhausted", JSON.readTree(second.substring(0, second.length() - 4))
        .path("error").path("code").asText(), second);
    assertTrue(r.stderr().contains("inference route main failed"), r::toString);
    JsonNode inf = JSON.readTree(report.toFile()).path("inference");
    assertEquals(2, inf.path("requests").asLong(), inf::toString);
    assertEquals(1, inf.path("refused").asLong(), inf::toString);
    assertTrue(inf.path("tokens").asLong() > 0, "usage metered from the stream: " + inf);
    JsonNode main = inf.path("routes").path(0);
    assertEquals("main", main.path("name").asText());
    assertTrue(main.path("failures").asLong() >= 1, inf::toString);
  }

  /**
   * privacy scope egress with the real detectors: a plain-HTTP request body with a card number
   * reaches an allowed origin masked, and the report counts the finding under that destination.
   */
  @Test
  void egressBodiesAreScreenedToo() throws Exception {
    int port = provider.baseUrl().getPort();
    Path spec = work.resolve("inf-egress.yaml");
    Files.writeString(spec, """
        apiVersion: nemoclaw.dev/v1
        name: inf-egress
        command: [true]
        network:
          mode: proxy
          unknown: deny
          allow:
            - {host: 127.0.0.1, ports: [PORT]}
        privacy:
          detectors: [credit-card]
          action: mask
          scope: [egress]
        """.replace("PORT", "" + port));
    Path home = work.resolve("home-egress");
    Files.createDirectories(home);
    Path report = home.resolve("report.json");
    int before = provider.requests().size();
    Cli.Result r = run(spec, null, home, "--report", report.toString(), "--", "sh", "-c",
        "curl -sS -o /dev/null --noproxy '' http://127.0.0.1:" + port + "/upload"
            + " -H 'content-type: text/plain' --data-binary 'pay with 4111 1111 1111 1111 please'");
    assertEquals(0, r.exit(), r::toString);
    List<FakeModel.Request> got = provider.requests().subList(before, provider.requests().size());
    assertEquals(1, got.size(), r::toString);
    assertEquals("pay with [REDACTED:credit-card] please", got.getFirst().body());
    JsonNode finding = JSON.readTree(report.toFile()).path("privacy").path("findings").path(0);
    assertEquals("egress", finding.path("scope").asText(), finding::toString);
    assertEquals("127.0.0.1:" + port, finding.path("target").asText(), finding::toString);
    assertEquals("mask", finding.path("action").asText(), finding::toString);
  }
}
