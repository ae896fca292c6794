package dev.nemoclaw.spec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Binds a {@code kind: PolicyTest} file (docs/policy-test.md) into {@link PolicyCases}. */
final class PolicyCasesBinder {
  private static final List<String> EGRESS_KEYS =
      List.of("host", "port", "method", "path", "binary");
  private static final int DEFAULT_PORT = 443;

  private final Bind b;
  /** Names written so far, with the line of the first: a report must not show two as one. */
  private final Map<String, Integer> names = new HashMap<>();

  PolicyCasesBinder(Bind b) {
    this.b = b;
  }

  Optional<PolicyCases> bind(YNode root) {
    if (root instanceof YNode.Map r && Bind.get(r, "kind").isEmpty()
        && Bind.get(r, "cases").isEmpty() && Bind.get(r, "name").isPresent()) {
      // one error, not one per agent.yaml key
      b.error(r, "", "this looks like an agent.yaml, not a policy test file; usage: nemoclaw"
          + " policy test AGENT.yaml CASES.yaml");
      return Optional.empty();
    }
    Optional<YNode.Map> top = b.map(root, "", Shape.POLICY_TEST);
    if (top.isEmpty()) {
      return Optional.empty();
    }
    YNode.Map m = top.get();
    b.require(m, "", "apiVersion", AgentSpec.API_VERSION);
    b.require(m, "", "kind", PolicyCases.KIND);
    b.require(m, "", "cases", "[{request: {host: api.github.com, port: 443}, expect: allow}]");
    b.field(m, "", "apiVersion", s -> oneOf(s, AgentSpec.API_VERSION));
    b.field(m, "", "kind", s -> oneOf(s, PolicyCases.KIND));
    Optional<List<PolicyCases.Case>> cases = b.list(m, "", "cases", this::testCase);
    Bind.get(m, "cases").ifPresent(n -> {
      if (n instanceof YNode.Seq s && s.items().isEmpty()) {
        b.error(n, "cases", "must hold at least one case: a test file that tests nothing"
            + " would always pass");
      }
    });
    return cases.map(c -> new PolicyCases(b.file, c));
  }

  private static String oneOf(String s, String allowed) {
    if (!s.equals(allowed)) {
      throw new IllegalArgumentException("'" + s + "' is not supported; allowed: " + allowed);
    }
    return s;
  }

  private Optional<PolicyCases.Case> testCase(YNode n, String field) {
    Optional<YNode.Map> section = b.map(n, field, Shape.POLICY_CASE);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    YNode.Map m = section.get();
    b.require(m, field, "request", "{host: api.github.com, port: 443}");
    b.require(m, field, "expect", "allow");
    Optional<String> name = b.field(m, field, "name", s -> nonBlank(s, "a name"));
    name.ifPresent(s -> {
      Integer first = names.putIfAbsent(s, m.line());
      if (first != null) {
        b.error(Bind.get(m, "name").orElseThrow(), Bind.path(field, "name"), "'" + s
            + "' names another case too (line " + first + "); each case needs its own name");
      }
    });
    Optional<PolicyCases.Request> request =
        Bind.get(m, "request").flatMap(r -> request(r, Bind.path(field, "request")));
    Optional<String> rule = b.field(m, field, "rule", s -> nonBlank(s, "a rule name glob"));
    Optional<Boolean> inspect = b.field(m, field, "inspect", Values::bool);
    // what expect may say depends on the kind of request, known even when the request is broken
    boolean toolCall = Bind.get(m, "request").orElse(null) instanceof YNode.Map r
        && Bind.get(r, "tool").isPresent();
    Optional<String> expect = toolCall
        ? b.enumField(m, field, "expect", ToolAction.class).map(ToolAction::yaml)
        : b.enumField(m, field, "expect", PolicyCases.Expected.class)
            .map(PolicyCases.Expected::yaml);
    if (toolCall) {
      for (String k : List.of("rule", "inspect")) {
        Bind.get(m, k).ifPresent(v -> b.error(v, Bind.path(field, k), k + " applies to network"
            + " requests, not to tool calls"));
      }
    }
    if (!toolCall && inspect.isPresent() && expect.isPresent()
        && !expect.get().equals(PolicyCases.Expected.ALLOW.yaml())) {
      b.error(Bind.get(m, "inspect").orElseThrow(), Bind.path(field, "inspect"),
          "applies only with expect: allow (whether the allow is TLS-inspected)");
    }
    if (request.isEmpty() || expect.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PolicyCases.Case(name.orElse(request.get().describe()), m.line(),
        request.get(), expect.get(), rule, inspect));
  }

  private Optional<PolicyCases.Request> request(YNode n, String field) {
    Optional<YNode.Map> section = b.map(n, field, Shape.POLICY_REQUEST);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    YNode.Map m = section.get();
    if (Bind.get(m, "tool").isPresent()) {
      return tool(m, field);
    }
    if (Bind.get(m, "server").isPresent()) {
      b.error(Bind.get(m, "server").orElseThrow(), Bind.path(field, "server"),
          "a tool call needs tool: too, e.g. {server: jira, tool: read_issue}");
      return Optional.empty();
    }
    b.require(m, field, "host", "api.github.com");
    Optional<String> host = b.field(m, field, "host", PolicyCasesBinder::host);
    int port = b.field(m, field, "port", Values::port).orElse(DEFAULT_PORT);
    Optional<String> method = b.field(m, field, "method", Values::method);
    Optional<String> path = b.field(m, field, "path", PolicyCasesBinder::path);
    Optional<String> binary = b.field(m, field, "binary", Values::absolutePath);
    boolean hasMethod = Bind.get(m, "method").isPresent();
    boolean hasPath = Bind.get(m, "path").isPresent();
    if (hasMethod != hasPath) {
      b.error(m, Bind.path(field, hasMethod ? "path" : "method"), "method and path go together:"
          + " plain HTTP (or a request inside an inspected tunnel) shows both; leave both out"
          + " for a CONNECT tunnel, e.g. {host: api.github.com, method: GET, path: /}");
      return Optional.empty();
    }
    return host.map(h -> new PolicyCases.Egress(h, port, method, path, binary));
  }

  private Optional<PolicyCases.Request> tool(YNode.Map m, String field) {
    for (String k : EGRESS_KEYS) {
      Bind.get(m, k).ifPresent(v -> b.error(v, Bind.path(field, k), "not with tool: a request"
          + " is either a network request (host, port, method, path, binary) or a tool call"
          + " (server, tool)"));
    }
    Optional<String> server = b.field(m, field, "server", s -> toolName(s, "server"));
    Optional<String> tool = b.field(m, field, "tool", s -> toolName(s, "tool"));
    return tool.map(t -> new PolicyCases.Tool(server, t));
  }

  /**
   * One destination: a DNS name or an IP address, never a pattern. Kept as written (lower-cased):
   * the policy canonicalises it as the proxy does.
   */
  private static String host(String s) {
    HostPattern p = Values.host(s);
    return switch (p) {
      case HostPattern.Name n -> s.toLowerCase(java.util.Locale.ROOT);
      case HostPattern.Address a -> s.toLowerCase(java.util.Locale.ROOT);
      case HostPattern.Suffix x -> throw new IllegalArgumentException("'" + s + "' is a pattern;"
          + " a request goes to one host, e.g. api." + x.suffix());
      case HostPattern.Cidr c -> throw new IllegalArgumentException("'" + s + "' is a CIDR"
          + " block; a request goes to one address, e.g. " + c.network());
    };
  }

  /** A request's path as a client sends it: query allowed, odd spellings left to the policy. */
  private static String path(String s) {
    if (!s.startsWith("/") || s.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      throw new IllegalArgumentException("'" + s + "' is not a URL path; it must start with '/'"
          + " and have no spaces, e.g. /repos/x/issues?page=2");
    }
    return s;
  }

  private static String toolName(String s, String what) {
    if (s.isBlank() || s.chars().anyMatch(c -> c <= ' ' || c == '/')) {
      throw new IllegalArgumentException("'" + s + "' is not a " + what + " name; it must not"
          + " be empty nor hold spaces or '/'");
    }
    return s;
  }

  private static String nonBlank(String s, String what) {
    if (s.isBlank()) {
      throw new IllegalArgumentException("must be " + what + ", not empty");
    }
    return s;
  }
}
