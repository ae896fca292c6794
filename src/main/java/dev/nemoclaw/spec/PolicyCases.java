package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A policy test file ({@code kind: PolicyTest}, docs/policy-test.md): requests and the decisions
 * the policy is expected to make about them, for {@code nemoclaw policy test}. Loaded as strictly
 * as agent.yaml: every error names the file, line, column and field.
 */
public record PolicyCases(Path file, List<Case> cases) {
  public static final String KIND = "PolicyTest";

  public PolicyCases {
    cases = List.copyOf(cases);
  }

  /**
   * One case. {@code name} is the one written, or one made from the request ({@link
   * Request#describe()}). {@code expect} is {@code allow}, {@code deny} or {@code ask} for an
   * {@link Egress} request, a tool action ({@link ToolAction#yaml()}) for a {@link Tool} one.
   * {@code rule}: a glob ({@code *} only) the deciding rule's name must match. {@code inspect}:
   * whether the allow must be TLS-inspected (only with {@code expect: allow}).
   */
  public record Case(String name, int line, Request request, String expect, Optional<String> rule,
      Optional<Boolean> inspect) {}

  /** What a case asks the policy about. */
  public sealed interface Request {
    /** {@code HOST:PORT [METHOD PATH] [from BINARY]}, or {@code tool [SERVER/]TOOL}. */
    String describe();
  }

  /**
   * A network request: a CONNECT tunnel when {@code method} and {@code path} are absent, plain
   * HTTP (or a request inside an inspected tunnel) when both are given. {@code host} is a DNS name
   * or an IP address as the request names it; the policy canonicalises it.
   */
  public record Egress(String host, int port, Optional<String> method, Optional<String> path,
      Optional<String> binary) implements Request {
    @Override
    public String describe() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      StringBuilder sb = new StringBuilder(h).append(':').append(port);
      method.ifPresent(m -> sb.append(' ').append(m));
      path.ifPresent(p -> sb.append(' ').append(p));
      binary.ifPresent(b -> sb.append(" from ").append(b));
      return sb.toString();
    }
  }

  /** A tool call (issue 10, not decided yet: such cases are skipped). */
  public record Tool(Optional<String> server, String tool) implements Request {
    @Override
    public String describe() {
      return "tool " + server.map(s -> s + "/").orElse("") + tool;
    }
  }

  /** What a network case may expect. */
  public enum Expected implements YamlEnum {
    ALLOW("allow"),
    DENY("deny"),
    ASK("ask");

    private final String yaml;

    Expected(String yaml) {
      this.yaml = yaml;
    }

    @Override
    public String yaml() {
      return yaml;
    }
  }

  /**
   * {@code file}, with {@code ${VAR}} references taken from {@code env} as in agent.yaml.
   *
   * @throws SpecException with every problem in the file, in file order
   */
  public static PolicyCases load(Path file, Map<String, String> env) throws SpecException {
    Problems problems = new Problems();
    Optional<YNode> root = new YamlReader(file, problems).read();
    Optional<PolicyCases> cases = root.flatMap(r ->
        new PolicyCasesBinder(new Bind(file, problems, env)).bind(r));
    problems.throwIfAny();
    return cases.orElseThrow();
  }

  /** {@code text} from memory, reported as {@code file}: for tests. */
  static PolicyCases parse(Path file, String text, Map<String, String> env) throws SpecException {
    Problems problems = new Problems();
    Optional<YNode> root = new YamlReader(file, problems).parse(text);
    Optional<PolicyCases> cases = root.flatMap(r ->
        new PolicyCasesBinder(new Bind(file, problems, env)).bind(r));
    problems.throwIfAny();
    return cases.orElseThrow();
  }
}
