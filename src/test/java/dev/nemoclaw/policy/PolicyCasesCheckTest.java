package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.PolicyCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PolicyCheck}: cases decided as the proxy decides them, compared with what they expect. */
class PolicyCasesCheckTest {
  @TempDir Path dir;

  List<PolicyCheck.Result> run(String network, String cases) throws Exception {
    LayeredPolicy policy = PolicyFixture.layered(dir, network);
    Path f = Files.writeString(dir.resolve("cases.yaml"),
        "apiVersion: nemoclaw.dev/v1\nkind: PolicyTest\ncases:\n" + cases);
    return PolicyCheck.run(policy, PolicyCases.load(f, Map.of()));
  }

  static final String NETWORK = """
      presets: [github]
      allow:
        - {host: up.example.org, methods: [POST], paths: ["/repos/*/issues"], inspect: true}
        - {host: "*.example.com", binaries: [/usr/bin/curl]}
      deny:
        - {host: "*.pastebin.com"}
      """;

  @Test
  void allowDenyAndAskPassWhenTheyMatch() throws Exception {
    List<PolicyCheck.Result> r = run(NETWORK, """
          - request: {host: github.com, port: 443}
            expect: allow
            rule: "preset github *"
          - request: {host: x.pastebin.com}
            expect: deny
            rule: "network.deny[0] *.pastebin.com"
          - request: {host: a.example.com}
            expect: ask
            rule: "network.unknown: ask"
          - request: {host: a.example.com, binary: /usr/bin/curl}
            expect: allow
            rule: network.allow[1]*
            inspect: false
          - request: {host: up.example.org, method: POST, path: /repos/x/issues}
            expect: allow
            inspect: true
        """);
    r.forEach(x -> assertEquals(PolicyCheck.Status.PASS, x.status(), x::toString));
    PolicyCheck.Decided ask = r.get(2).decided().orElseThrow();
    assertEquals("ask", ask.verdict());
    assertEquals("network.unknown: ask", ask.rule());
    assertTrue(r.get(4).decided().orElseThrow().inspect());
    assertEquals(Optional.empty(), r.get(0).message());
  }

  @Test
  void underUnknownDenyAnUncoveredRequestIsADeny() throws Exception {
    List<PolicyCheck.Result> r = run("allow: [{host: a.example}]\nunknown: deny\n", """
          - request: {host: b.example}
            expect: deny
            rule: "network.unknown: deny"
          - request: {host: c.example}
            expect: ask
        """);
    assertEquals(PolicyCheck.Status.PASS, r.get(0).status(), r.get(0)::toString);
    assertEquals(PolicyCheck.Status.FAIL, r.get(1).status());
    assertEquals("expected ask, got deny by network.unknown: deny ("
        + r.get(1).decided().orElseThrow().reason() + ")", r.get(1).message().orElseThrow());
  }

  @Test
  void failuresSayWhatWasExpectedAndWhatDecided() throws Exception {
    List<PolicyCheck.Result> r = run(NETWORK, """
          - name: pastebin must be refused
            request: {host: api.github.com}
            expect: deny
          - request: {host: github.com}
            expect: allow
            rule: "network.allow*"
          - request: {host: up.example.org, method: POST, path: /repos/x/issues}
            expect: allow
            inspect: false
          - request: {host: a.example.com, binary: /usr/bin/curl}
            expect: allow
            inspect: true
        """);
    r.forEach(x -> assertEquals(PolicyCheck.Status.FAIL, x.status(), x::toString));
    assertFalse(r.get(0).ok());
    assertTrue(r.get(0).message().orElseThrow().startsWith("expected deny, got allow by preset"
        + " github allow[1] api.github.com ("), r.get(0)::toString);
    assertTrue(r.get(1).message().orElseThrow().startsWith("expected rule 'network.allow*', got"
        + " allow by preset github allow[0] github.com ("), r.get(1)::toString);
    assertTrue(r.get(2).message().orElseThrow().startsWith("expected an allow without TLS"
        + " inspection, got a TLS-inspected allow by network.allow[0] up.example.org"),
        r.get(2)::toString);
    assertTrue(r.get(3).message().orElseThrow().startsWith("expected a TLS-inspected allow, got"
        + " allow by network.allow[1] *.example.com ("), r.get(3)::toString);
    assertTrue(r.get(3).message().orElseThrow().endsWith(") without inspection"));
  }

  @Test
  void toolCallsAreSkippedNotPassed() throws Exception {
    PolicyCheck.Result r = run(NETWORK, """
          - request: {tool: exec}
            expect: require-approval
        """).get(0);
    assertEquals(PolicyCheck.Status.SKIP, r.status());
    assertTrue(r.ok(), "a skip does not fail the run");
    assertEquals(Optional.empty(), r.decided());
    assertEquals(Optional.of("no tool rules were given"), r.message());
  }

  @Test
  void hostsAreCanonicalisedAsTheProxyDoes() throws Exception {
    List<PolicyCheck.Result> r = run("allow: [{host: \"::1\", ports: [8080]}]\n", """
          - request: {host: "0:0:0:0:0:0:0:1", port: 8080}
            expect: allow
          - request: {host: GitHub.COM}
            expect: ask
        """);
    r.forEach(x -> assertEquals(PolicyCheck.Status.PASS, x.status(), x::toString));
  }

  @Test
  void globsMatchTheWholeNameWithStarAsTheOnlyWildcard() {
    assertTrue(PolicyCheck.glob("preset github*", "preset github allow[0] github.com"));
    assertTrue(PolicyCheck.glob("*", ""));
    assertTrue(PolicyCheck.glob("network.deny[0] *.pastebin.com",
        "network.deny[0] *.pastebin.com"));
    assertTrue(PolicyCheck.glob("*allow[*] api.*", "preset x allow[3] api.github.com"));
    assertTrue(PolicyCheck.glob("a*a", "aa"));
    assertFalse(PolicyCheck.glob("a*a", "a"));
    assertFalse(PolicyCheck.glob("network.allow[0]", "network.allow[0] a.example"));
    assertFalse(PolicyCheck.glob("network.allow[?] a.example", "network.allow[1] a.example"));
    assertFalse(PolicyCheck.glob("*github", "preset github allow[0] github.com"));
  }
}
