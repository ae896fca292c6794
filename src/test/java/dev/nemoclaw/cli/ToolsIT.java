package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool governance end to end (CONTRACT §5, docs/tools.md): an agent in a real sandbox asks
 * {@code http://policy.local/v1/tools/evaluate} about its calls; the operator approves and denies
 * through the real CLI; the audit log has a ToolCall for each decision.
 */
class ToolsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path work;

  static final String SCRIPT = """
      E=http://policy.local/v1/tools/evaluate
      ev() { curl -s --max-time 90 -X POST "$E" -H 'Content-Type: application/json' -d "$1"; }
      echo "A: $(ev '{"server":"fs","tool":"read_file","arguments":{"path":"/etc/hosts"}}')"
      echo "B: $(ev '{"tool":"delete_everything"}')"
      echo "R1: $(ev '{"server":"web","tool":"search","arguments":{"q":"x"}}')"
      echo "R2: $(ev '{"server":"web","tool":"search","arguments":{"q":"y"}}')"
      echo "P: $(ev '{"server":"shop","tool":"pay","arguments":{"card":"4111 1111 1111 1111","n":1}}')"
      echo "X1: $(ev '{"server":"openclaw","tool":"exec","arguments":{"cmd":"ls"}}')"
      echo "X2: $(ev '{"server":"openclaw","tool":"exec","arguments":{"cmd":"rm -rf /"}}')"
      O=$(ev '{"server":"crm","tool":"lookup","arguments":{"q":"bob"}}')
      echo "O: $O"
      id=$(echo "$O" | sed -n 's/.*"callId":"\\([^"]*\\)".*/\\1/p')
      echo "OR: $(curl -s -X POST http://policy.local/v1/tools/result -d '{"callId":"'"$id"'","result":{"email":"bob@example.com"}}')"
      echo "BAD: $(ev 'nope')"
      """;

  @Test
  void anAgentsToolCallsAreGovernedApprovedAndAudited() throws Exception {
    Path spec = work.resolve("agent.yaml");
    Files.writeString(spec, """
        apiVersion: nemoclaw.dev/v1
        name: tools-it
        command: [sh, -c, %s]
        network: {mode: proxy, unknown: ask, approvalTimeout: 60s}
        tools:
          - {match: "server:fs/tool:read_*", action: allow}
          - {match: "server:web/tool:search", action: rate-limit, rateLimit: {requests: 1, per: 1m}}
          - {match: "server:shop/tool:pay", action: pii-scan}
          - {match: "tool:exec", action: require-approval}
          - {match: "server:crm/tool:lookup", action: redact-output}
          - {match: "tool:*", action: block}
        """.formatted(JSON.writeValueAsString(SCRIPT)));
    Map<String, String> env = Map.of("NEMOCLAW_HOME", work.resolve("home").toString());
    Bg bg = Bg.start(env, work, "run", spec.toString());

    JsonNode first = pending(env, "");
    assertEquals("tool", first.path("kind").asText(), first::toString);
    assertTrue(first.path("detail").asText().startsWith("tool openclaw/exec {\"cmd\":\"ls\"}"),
        first::toString);
    Cli.Result list = Cli.run(env, null, "approvals", "list");
    assertTrue(list.stdout().contains("tool openclaw/exec"), list::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "approve", first.path("id").asText()).exit());
    JsonNode second = pending(env, first.path("id").asText());
    assertTrue(second.path("detail").asText().contains("rm -rf"), second::toString);
    assertEquals(0, Cli.run(env, null, "approvals", "deny", second.path("id").asText()).exit());
    assertEquals(0, bg.waitFor(), bg::stderr);

    Map<String, JsonNode> out = new java.util.HashMap<>();
    for (String l : bg.stdout().lines().toList()) {
      int colon = l.indexOf(": ");
      if (colon > 0 && l.substring(colon + 2).startsWith("{")) {
        try {
          out.put(l.substring(0, colon), JSON.readTree(l.substring(colon + 2)));
        } catch (java.io.IOException e) {
          throw new AssertionError("not JSON: " + l + "\n" + bg.stdout() + bg.stderr(), e);
        }
      }
    }
    String all = bg.stdout() + bg.stderr();
    assertTrue(out.get("A").path("allowed").asBoolean(), all);
    assertEquals("tools[0] server:fs/tool:read_*", out.get("A").path("rule").asText());
    assertFalse(out.get("B").path("allowed").asBoolean(true), all);
    assertEquals("block", out.get("B").path("action").asText());
    assertTrue(out.get("B").path("reason").asText().contains("local/delete_everything"), all);
    assertTrue(out.get("R1").path("allowed").asBoolean(), all);
    assertFalse(out.get("R2").path("allowed").asBoolean(true), all);
    assertEquals("rate-limit", out.get("R2").path("action").asText());
    assertTrue(out.get("R2").path("retryAfterSeconds").asInt() > 0, all);
    assertTrue(out.get("P").path("allowed").asBoolean(), all);
    assertEquals("{\"card\":\"[REDACTED:credit-card]\",\"n\":1}",
        out.get("P").path("arguments").toString(), all);
    assertTrue(out.get("X1").path("allowed").asBoolean(), all);
    assertEquals("once", out.get("X1").at("/approval/verdict").asText(), all);
    assertEquals("cli", out.get("X1").at("/approval/channel").asText(), all);
    assertFalse(out.get("X2").path("allowed").asBoolean(true), all);
    assertEquals("deny", out.get("X2").at("/approval/verdict").asText(), all);
    assertTrue(out.get("O").path("redactOutput").asBoolean(), all);
    assertEquals("[REDACTED:email]", out.get("OR").at("/result/email").asText(), all);
    assertEquals("bad_request", out.get("BAD").path("error").asText(), all);

    Cli.Result r = Cli.run(env, null, "audit", "export", "tools-it", "--format", "ocsf");
    assertEquals(0, r.exit(), r::toString);
    List<JsonNode> events = new ArrayList<>();
    for (String l : r.stdout().lines().toList()) {
      events.add(JSON.readTree(l));
    }
    List<JsonNode> tools = events.stream().filter(e -> e.path("class_uid").asInt() == 6003
        && e.path("activity_name").asText().equals("Tool Call")).toList();
    assertEquals(8, tools.size(), events::toString);
    JsonNode exec = tools.stream().filter(e -> e.at("/api/operation").asText().equals("exec")
        && e.at("/unmapped/allowed").asBoolean()).findFirst().orElseThrow();
    assertEquals("openclaw", exec.at("/api/service/name").asText());
    assertEquals("require-approval", exec.at("/unmapped/action").asText());
    assertEquals("high", exec.at("/unmapped/risk").asText());
    assertTrue(exec.at("/unmapped/approval").asText().contains("once by"), exec::toString);
    JsonNode pay = tools.stream().filter(e -> e.at("/api/operation").asText().equals("pay"))
        .findFirst().orElseThrow();
    assertEquals(1, pay.at("/unmapped/findings/credit-card").asInt(), pay::toString);
    assertEquals(2, events.stream().filter(e -> e.path("class_uid").asInt() == 3003
        && e.at("/unmapped/kind").asText().equals("tool")).count(), events::toString);
    // (the start event's command line is the script itself, card number and all)
    events.stream().filter(e -> e.path("class_uid").asInt() != 1007).forEach(e ->
        assertFalse(e.toString().contains("4111"), () -> "a card number in " + e));
  }

  /** Hot reload: editing the tools section of a running sandbox's agent.yaml decides the next call. */
  @Test
  void anEditedToolsSectionAppliesToTheRunningSandbox() throws Exception {
    String script = """
        i=0; while [ $i -lt 300 ]; do
          a=$(curl -s -X POST http://policy.local/v1/tools/evaluate -d '{"tool":"deploy"}')
          case "$a" in *'"allowed":true'*) echo "now: $a"; exit 0;; esac
          [ $i -eq 0 ] && echo "first: $a"
          i=$((i+1)); sleep 0.1
        done; exit 1
        """;
    String head = """
        apiVersion: nemoclaw.dev/v1
        name: tools-reload
        command: [sh, -c, %s]
        """.formatted(JSON.writeValueAsString(script));
    Path spec = Files.writeString(work.resolve("agent.yaml"), head + """
        tools: [{match: "tool:*", action: block}]
        """);
    Map<String, String> env = Map.of("NEMOCLAW_HOME", work.resolve("home").toString());
    Bg bg = Bg.start(env, work, "run", spec.toString());
    bg.awaitStdout("first: ", 30);
    assertTrue(bg.stdout().contains("\"allowed\":false"), bg::stdout);
    Files.writeString(spec, head + """
        tools: [{match: "tool:*", action: block, risk: medium}, {match: "tool:*", action: allow}]
        toolRisk: [{match: deploy, level: high}]
        """);
    assertEquals(0, bg.waitFor(), () -> bg.stdout() + bg.stderr());
    assertTrue(bg.stdout().contains("now: {\"allowed\":true,\"action\":\"allow\",\"rule\":"
        + "\"tools[1] tool:*\""), bg::stdout);
    assertTrue(bg.stderr().contains("and 2 tool rules in force"), bg::stderr);
  }

  /** The newest pending tool approval whose id is not {@code not} (fails after 30 s). */
  static JsonNode pending(Map<String, String> env, String not) throws Exception {
    for (int i = 0; i < 300; i++) {
      Cli.Result r = Cli.run(env, null, "approvals", "list", "-o", "json");
      for (JsonNode item : JSON.readTree(r.stdout().isBlank() ? "[]" : r.stdout())) {
        if (!item.path("id").asText().equals(not)) {
          return item;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no pending tool approval in 30 s");
  }
}
