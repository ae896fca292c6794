package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading {@code kind: PolicyTest} files: the shape, defaults, and errors at line and column. */
class PolicyCasesTest {
  static final Path FILE = Path.of("cases.yaml");
  static final String HEAD = "apiVersion: nemoclaw.dev/v1\nkind: PolicyTest\ncases:\n";

  static PolicyCases parse(String cases) throws SpecException {
    return PolicyCases.parse(FILE, HEAD + cases, Map.of());
  }

  /** Every error, rendered, for a body that must fail. */
  static List<String> errors(String text) {
    SpecException e = assertThrows(SpecException.class,
        () -> PolicyCases.parse(FILE, text, Map.of()));
    return e.errors().stream().map(SpecError::render).toList();
  }

  static void hasError(List<String> errors, String expected) {
    assertTrue(errors.stream().anyMatch(e -> e.contains(expected)),
        () -> "no error containing <" + expected + "> in\n" + String.join("\n", errors));
  }

  @Test
  void readsEveryKindOfCase() throws Exception {
    PolicyCases p = parse("""
          - name: git may reach github
            request: {host: API.GitHub.com, port: 443, binary: /usr/bin/git}
            expect: allow
            rule: "preset github*"
          - request: {host: pastebin.com}
            expect: deny
          - request: {host: api.github.com, method: POST, path: "/repos/x/issues?a=1"}
            expect: allow
            inspect: true
          - request: {host: "::1", port: 8080, binary: /bin/sh}
            expect: ask
          - request: {server: jira, tool: read_issue}
            expect: require-approval
        """);
    assertEquals(5, p.cases().size());
    PolicyCases.Case git = p.cases().get(0);
    assertEquals("git may reach github", git.name());
    assertEquals(4, git.line());
    assertEquals(new PolicyCases.Egress("api.github.com", 443, Optional.empty(), Optional.empty(),
        Optional.of("/usr/bin/git")), git.request());
    assertEquals("allow", git.expect());
    assertEquals(Optional.of("preset github*"), git.rule());
    assertEquals(Optional.empty(), git.inspect());

    PolicyCases.Case paste = p.cases().get(1);
    assertEquals("pastebin.com:443", paste.name(), "no name: made from the request, port 443");
    assertEquals("deny", paste.expect());

    PolicyCases.Case post = p.cases().get(2);
    assertEquals("api.github.com:443 POST /repos/x/issues?a=1", post.name());
    assertEquals(Optional.of(true), post.inspect());

    assertEquals("[::1]:8080 from /bin/sh", p.cases().get(3).name());
    assertEquals("ask", p.cases().get(3).expect());

    PolicyCases.Case tool = p.cases().get(4);
    assertEquals(new PolicyCases.Tool(Optional.of("jira"), "read_issue"), tool.request());
    assertEquals("tool jira/read_issue", tool.name());
    assertEquals("require-approval", tool.expect());
  }

  @Test
  void unknownKeysAndValuesAreReportedAtTheirLineWithTheField() {
    List<String> e = errors(HEAD + """
          - name: one
            request: {host: a.example, prot: 443}
            expect: allow
          - request: {host: b.example}
            expect: alow
            rules: x
        """);
    hasError(e, "cases.yaml:5:32: cases[0].request.prot: unknown key 'prot'; allowed: host,"
        + " port, method, path, binary, server, tool (did you mean 'port'?)");
    hasError(e, "cases.yaml:8:13: cases[1].expect: 'alow' is not allowed; allowed: allow,"
        + " deny, ask (did you mean 'allow'?)");
    hasError(e, "cases.yaml:9:5: cases[1].rules: unknown key 'rules'");
    assertEquals(3, e.size(), () -> String.join("\n", e));
  }

  @Test
  void requiredKeysAreNamedWithAnExample() {
    List<String> e = errors(HEAD + """
          - name: nothing to ask
            expect: allow
          - request: {port: 80}
        """);
    hasError(e, "cases.yaml:4:5: cases[0].request: required, e.g. request: {host:");
    hasError(e, "cases.yaml:6:14: cases[1].request.host: required, e.g. host: api.github.com");
    hasError(e, "cases.yaml:6:5: cases[1].expect: required, e.g. expect: allow");
  }

  @Test
  void theRequestMustBeOneConcreteRequest() {
    List<String> e = errors(HEAD + """
          - request: {host: "*.github.com"}
            expect: allow
          - request: {host: 10.0.0.0/8}
            expect: deny
          - request: {host: a.example, method: GET}
            expect: allow
          - request: {host: a.example, method: get, path: x}
            expect: allow
          - request: {host: a.example, port: 70000, binary: git}
            expect: allow
        """);
    hasError(e, "cases[0].request.host: '*.github.com' is a pattern; a request goes to one host,"
        + " e.g. api.github.com");
    hasError(e, "cases[1].request.host: '10.0.0.0/8' is a CIDR block");
    hasError(e, "cases.yaml:8:14: cases[2].request.path: method and path go together");
    hasError(e, "cases[3].request.method: 'get' is not an HTTP method");
    hasError(e, "did you mean 'GET'?");
    hasError(e, "cases[3].request.path: 'x' is not a URL path");
    hasError(e, "cases[4].request.port: '70000' is not a port; allowed: 1..65535");
    hasError(e, "cases[4].request.binary: 'git' is not an absolute path");
  }

  @Test
  void inspectOnlyWithAllowAndToolCallsTakeToolActions() {
    List<String> e = errors(HEAD + """
          - request: {host: a.example}
            expect: deny
            inspect: true
          - request: {tool: exec, host: a.example}
            expect: deny
            rule: x
          - request: {server: jira}
            expect: allow
        """);
    hasError(e, "cases.yaml:6:14: cases[0].inspect: applies only with expect: allow");
    hasError(e, "cases[1].request.host: not with tool: a request is either a network request");
    hasError(e, "cases.yaml:8:13: cases[1].expect: 'deny' is not allowed; allowed: allow, block,"
        + " require-approval, rate-limit, pii-scan, redact-output");
    hasError(e, "cases[1].rule: rule applies to network requests, not to tool calls");
    hasError(e, "cases[2].request.server: a tool call needs tool: too");
  }

  @Test
  void namesMustBeUniqueAndTheFileMustTestSomething() {
    List<String> dup = errors(HEAD + """
          - {name: same, request: {host: a.example}, expect: allow}
          - {name: same, request: {host: b.example}, expect: allow}
        """);
    hasError(dup, "cases.yaml:5:12: cases[1].name: 'same' names another case too (line 4)");

    hasError(errors(HEAD + "  []\n"), "cases.yaml:4:3: cases: must hold at least one case");
    List<String> head = errors("apiVersion: nemoclaw.dev/v2\nkind: Policy\n");
    hasError(head, "cases.yaml:1:13: apiVersion: 'nemoclaw.dev/v2' is not supported; allowed:"
        + " nemoclaw.dev/v1");
    hasError(head, "cases.yaml:2:7: kind: 'Policy' is not supported; allowed: PolicyTest");
    hasError(head, "cases.yaml:1:1: cases: required");
  }

  @Test
  void anAgentYamlInItsPlaceIsRecognised() {
    List<String> e = errors("apiVersion: nemoclaw.dev/v1\nname: hello\ncommand: [sh]\n");
    assertEquals(1, e.size(), e::toString);
    hasError(e, "this looks like an agent.yaml, not a policy test file");
  }

  @Test
  void yamlSyntaxErrorsAndMissingFilesSayWhere(@TempDir Path dir) throws Exception {
    hasError(errors(HEAD + "  - request: {host: a\n    expect: allow\n"),
        "cases.yaml:5:11: YAML syntax");
    SpecException missing = assertThrows(SpecException.class,
        () -> PolicyCases.load(dir.resolve("none.yaml"), Map.of()));
    assertEquals(dir.resolve("none.yaml") + ": no such file", missing.errors().get(0).render());
    Path f = Files.writeString(dir.resolve("c.yaml"), HEAD
        + "  - {request: {host: \"${HOST}\"}, expect: allow}\n");
    assertEquals("example.org:443", PolicyCases.load(f, Map.of("HOST", "example.org")).cases()
        .get(0).name());
  }

  @Test
  void theShippedExampleLoads() throws Exception {
    PolicyCases p = PolicyCases.load(Path.of("examples/curl-allowlist/policy-tests.yaml"),
        Map.of());
    assertTrue(p.cases().size() >= 5, p::toString);
    assertInstanceOf(PolicyCases.Egress.class, p.cases().get(0).request());
  }
}
