package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nemoclaw policy history|show|diff|rollback|explain` over a real store under NEMOCLAW_HOME. */
class PolicyStoreIT {
  @TempDir Path home;
  PolicyStore store;

  @BeforeEach
  void seed() throws Exception {
    store = new PolicyStore(home.resolve("state/policies/hello"));
    store.append(List.of(rule("api.example.com")), List.of(), "alice", "tui",
        "always allow api.example.com:443");
    store.append(List.of(rule("*.cdn.example.com")), List.of(new DenyRule(
        HostPattern.parse("evil.example.com"), List.of(), List.of(), List.of(), List.of())),
        "bob", "cli", "cdn and a deny");
  }

  static AllowRule rule(String host) {
    return new AllowRule(HostPattern.parse(host), List.of(443), List.of(), List.of(), List.of(),
        false);
  }

  Cli.Result run(String... args) throws Exception {
    return Cli.run(Map.of("NEMOCLAW_HOME", home.toString()), null, args);
  }

  @Test
  void historyListsRevisionsAsTextAndJson() throws Exception {
    Cli.Result r = run("policy", "history", "hello");
    assertEquals(0, r.exit(), r::toString);
    List<String> lines = r.stdout().lines().toList();
    assertEquals(3, lines.size(), r::toString);
    assertTrue(lines.get(0).matches("REV +TIME +AUTHOR +CHANNEL +CHANGES +REASON"), r::toString);
    assertTrue(lines.get(1).matches("1 +\\S+Z +alice +tui +\\+1 allow +always allow"
        + " api.example.com:443"), r::toString);
    assertTrue(lines.get(2).matches("2 +\\S+Z +bob +cli +\\+1 allow, \\+1 deny +cdn and a deny"),
        r::toString);

    Cli.Result j = run("policy", "history", "hello", "-o", "json");
    assertEquals(0, j.exit(), j::toString);
    JsonNode a = new ObjectMapper().readTree(j.stdout());
    assertEquals(2, a.size());
    assertEquals(2, a.get(1).path("revision").asInt());
    assertEquals("bob", a.get(1).path("author").asText());
    assertEquals("evil.example.com", a.get(1).path("added").path("deny").get(0).path("host")
        .asText());
    assertTrue(a.get(1).path("rollbackTo").isNull());
  }

  @Test
  void showPrintsTheAddedRulesAtARevision() throws Exception {
    Cli.Result r = run("policy", "show", "hello");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().startsWith("# hello: revision 2 of 2, "), r::toString);
    assertTrue(r.stdout().contains("allow:\n  - {host: api.example.com, ports: [443]}   #"
        + " revision 1 allow[0] api.example.com\n  - {host: \"*.cdn.example.com\", ports: [443]}"
        + "   # revision 2 allow[0] *.cdn.example.com\ndeny:\n  - {host: evil.example.com}   #"
        + " revision 2 deny[0] evil.example.com\n"), r::toString);

    Cli.Result one = run("policy", "show", "hello", "--rev", "1", "-o", "json");
    assertEquals(0, one.exit(), one::toString);
    JsonNode j = new ObjectMapper().readTree(one.stdout());
    assertEquals("hello", j.path("name").asText());
    assertEquals(1, j.path("revision").asInt());
    assertEquals(1, j.path("rules").path("allow").size());
    assertEquals(0, j.path("rules").path("deny").size());
    assertEquals("revision 1 allow[0] api.example.com",
        j.path("rules").path("allow").get(0).path("name").asText());

    Cli.Result none = run("policy", "show", "hello", "--rev", "7");
    assertEquals(1, none.exit(), none::toString);
    assertTrue(none.stderr().contains("no revision 7"), none::toString);
  }

  @Test
  void rollbackAndDiff() throws Exception {
    Cli.Result rb = run("policy", "rollback", "hello", "--to", "1");
    assertEquals(0, rb.exit(), rb::toString);
    assertEquals("hello: revision 3 restores revision 1 (-1 allow, -1 deny)\n", rb.stdout());
    assertEquals(1, store.current().size());
    assertEquals("cli", store.latest().orElseThrow().channel());

    Cli.Result d = run("policy", "diff", "hello", "1", "2");
    assertEquals(0, d.exit(), d::toString);
    assertEquals("""
        --- revision 1
        +++ revision 2
        + allow {host: "*.cdn.example.com", ports: [443]}   # revision 2 allow[0] *.cdn.example.com
        + deny {host: evil.example.com}   # revision 2 deny[0] evil.example.com
        """, d.stdout());
  }

  @Test
  void explainLayersTheStoredRevisions() throws Exception {
    Path spec = Files.writeString(home.resolve("agent.yaml"), """
        apiVersion: nemoclaw.dev/v1
        name: hello
        command: [sh]
        """);
    Cli.Result r = run("policy", "explain", spec.toString(), "--host", "api.example.com",
        "--port", "443");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("rule:    revision 1 allow[0] api.example.com\n"),
        r::toString);
    assertTrue(r.stderr().contains("with policy revision 2 of hello"), r::toString);
    Cli.Result denied = run("policy", "explain", spec.toString(), "--host", "evil.example.com",
        "--port", "443", "-o", "json");
    assertEquals(1, denied.exit(), denied::toString);
    assertEquals("revision 2 deny[0] evil.example.com",
        new ObjectMapper().readTree(denied.stdout()).path("rule").asText());
  }

  @Test
  void badNamesAndBrokenStoresAreReportedClearly() throws Exception {
    Cli.Result bad = run("policy", "history", "../etc");
    assertEquals(2, bad.exit(), bad::toString);
    assertTrue(bad.stderr().contains("is not a sandbox name"), bad::toString);

    Cli.Result empty = run("policy", "history", "nobody");
    assertEquals(0, empty.exit(), empty::toString);
    assertEquals("", empty.stdout());
    assertTrue(empty.stderr().contains("no revisions for nobody"), empty::toString);

    Path f = home.resolve("state/policies/hello/rev-000002.json");
    Files.writeString(f, Files.readString(f).substring(0, 40));
    Cli.Result broken = run("policy", "show", "hello");
    assertEquals(1, broken.exit(), broken::toString);
    assertTrue(broken.stderr().contains(f + ": not valid JSON"), broken::toString);
  }
}
