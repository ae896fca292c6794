package dev.nemoclaw.cli;

import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.policy.AgentScope;
import dev.nemoclaw.policy.PolicyCheck;
import dev.nemoclaw.policy.ToolPolicy;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.PolicyCases;
import dev.nemoclaw.spec.SpecError;
import dev.nemoclaw.spec.SpecException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nemoclaw policy test FILE CASES}: table-driven expected decisions, for policy CI. */
@Command(name = "test", mixinStandardHelpOptions = true,
    description = {
      "Check that an agent.yaml's network policy decides as a table of cases expects: each"
          + " case is a request (host, port, and method, path, binary as needed) and the"
          + " expected decision (allow, deny or ask), optionally the deciding rule and TLS"
          + " inspection. Cases are decided exactly as `policy explain` decides them.",
      "By default the agent.yaml (with its presets) is tested alone, so a policy repository's"
          + " CI gets the same answer on every host; --store layers the rules operators added"
          + " on this host (the policy store's newest revision for the spec's name), as"
          + " `policy explain` does.",
      "The cases file format is in docs/policy-test.md."},
    footer = {"",
      "Example CASES.yaml:",
      "  apiVersion: nemoclaw.dev/v1",
      "  kind: PolicyTest",
      "  cases:",
      "    - name: curl may fetch example.com",
      "      request: {host: example.com, port: 80, method: GET, path: /}",
      "      expect: allow",
      "      rule: \"network.allow[0] *\"",
      "    - request: {host: api.github.com, binary: /usr/bin/git}   # port 443",
      "      expect: ask",
      "    - request: {host: pastebin.com, port: 443}",
      "      expect: deny",
      "",
      "  nemoclaw policy test examples/curl-allowlist/agent.yaml \\",
      "      examples/curl-allowlist/policy-tests.yaml --junit policy-tests.xml",
      "",
      "Prints `PASS  NAME`, `FAIL  NAME: expected …, got … by RULE (reason)` or `SKIP  NAME:"
          + " why` per case, then `N passed, N failed, N skipped`. Tool-call cases (request:"
          + " {tool: …}) are skipped until tool rules are supported; a skip does not fail the"
          + " run.",
      "-o json prints {passed, failed, skipped, cases: [{name, line, request, expect,"
          + " expectRule, expectInspect, got, rule, reason, inspect, ok, skipped, message}]}"
          + " (docs/policy-test.md).",
      "Exit codes: 0 every case passed (or was skipped); 1 a case failed, or --junit could not"
          + " be written; 2 usage; 125 the agent.yaml or CASES has errors (all printed as"
          + " FILE:LINE:COLUMN: FIELD: message), so has a policy layer file, or the policy store"
          + " cannot be read."})
final class PolicyTestCommand implements Callable<Integer> {
  static final int EXIT_BAD_INPUT = 125;

  @Parameters(index = "0", paramLabel = "FILE", description = "the agent.yaml whose network"
      + " policy is tested")
  Path file;
  @Parameters(index = "1", paramLabel = "CASES", description = "the cases file (kind:"
      + " PolicyTest)")
  Path casesFile;
  @Option(names = "--store", negatable = true, paramLabel = "",
      description = "also layer this host's policy store (the newest revision for the spec's"
          + " name); default --no-store: the agent.yaml alone") boolean store;
  @Option(names = "--policy-dir", paramLabel = "DIR",
      description = "org/team layer files (default CONFIG/policy.d, docs/policy-layers.md)")
  Path policyDir;
  @Option(names = "--junit", paramLabel = "OUT.xml",
      description = "also write the results as JUnit XML, for CI systems to show") Path junit;
  @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
  OutputFormat output;

  @Override
  public Integer call() {
    List<SpecError> errors = new ArrayList<>();
    Optional<EffectivePolicy> effective = Optional.empty();
    try {
      effective = Optional.of(EffectivePolicy.load(file, store, Optional.ofNullable(policyDir)));
    } catch (SpecException e) {
      errors.addAll(e.errors());
    } catch (EffectivePolicy.Failure e) {
      say(e.getMessage());
      return EXIT_BAD_INPUT;
    }
    Optional<PolicyCases> cases = Optional.empty();
    try {
      cases = Optional.of(PolicyCases.load(casesFile, System.getenv()));
    } catch (SpecException e) {
      errors.addAll(e.errors());
    }
    if (!errors.isEmpty()) {
      errors.forEach(err -> System.err.println(err.render()));
      say(errors.size() + " error(s); nothing was tested");
      return EXIT_BAD_INPUT;
    }
    EffectivePolicy policy = effective.orElseThrow();
    policy.revisionNote().ifPresent(PolicyTestCommand::say);
    AgentSpec spec = policy.spec();
    ToolPolicy tools = ToolPolicy.compile(spec.tools(), spec.toolRisk(),
        new AgentScope(spec.name(), spec.org(), spec.team()));
    List<PolicyCheck.Result> results = PolicyCheck.run(policy.policy(), tools,
        cases.orElseThrow());
    Counts n = Counts.of(results);
    if (output == OutputFormat.json) {
      Json.print(json(results, n));
    } else {
      results.forEach(r -> System.out.println(line(r)));
      System.out.println(n.summary());
    }
    if (junit != null) {
      try {
        AtomicFile.write(junit, JUnitXml.render(casesFile, file, results));
      } catch (IOException | RuntimeException e) {
        say("cannot write " + junit + ": " + e.getMessage());
        return 1;
      }
    }
    return n.failed() == 0 ? 0 : 1;
  }

  private static void say(String message) {
    System.err.println("nemoclaw policy test: " + message);
  }

  record Counts(int passed, int failed, int skipped) {
    static Counts of(List<PolicyCheck.Result> results) {
      int[] c = new int[3];
      results.forEach(r -> c[r.status().ordinal()]++);
      return new Counts(c[PolicyCheck.Status.PASS.ordinal()], c[PolicyCheck.Status.FAIL.ordinal()],
          c[PolicyCheck.Status.SKIP.ordinal()]);
    }

    String summary() {
      return passed + " passed, " + failed + " failed, " + skipped + " skipped";
    }
  }

  /** {@code PASS  name}, {@code FAIL  name: why}, {@code SKIP  name: why}. */
  static String line(PolicyCheck.Result r) {
    String status = switch (r.status()) {
      case PASS -> "PASS";
      case FAIL -> Human.bold("FAIL");
      case SKIP -> "SKIP";
    };
    return status + "  " + r.testCase().name() + r.message().map(m -> ": " + m).orElse("");
  }

  static Map<String, Object> json(List<PolicyCheck.Result> results, Counts n) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("passed", n.passed());
    o.put("failed", n.failed());
    o.put("skipped", n.skipped());
    o.put("cases", results.stream().map(PolicyTestCommand::json).toList());
    return o;
  }

  private static Map<String, Object> json(PolicyCheck.Result r) {
    PolicyCases.Case c = r.testCase();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", c.name());
    o.put("line", c.line());
    o.put("request", request(c.request()));
    o.put("expect", c.expect());
    o.put("expectRule", c.rule().orElse(null));
    o.put("expectInspect", c.inspect().orElse(null));
    Optional<PolicyCheck.Decided> d = r.decided();
    o.put("got", d.map(PolicyCheck.Decided::verdict).orElse(null));
    o.put("rule", d.map(PolicyCheck.Decided::rule).orElse(null));
    o.put("reason", d.map(PolicyCheck.Decided::reason).orElse(null));
    o.put("inspect", d.map(PolicyCheck.Decided::inspect).orElse(null));
    o.put("ok", r.ok());
    o.put("skipped", r.status() == PolicyCheck.Status.SKIP);
    o.put("message", r.message().orElse(null));
    return o;
  }

  private static Map<String, Object> request(PolicyCases.Request request) {
    Map<String, Object> o = new LinkedHashMap<>();
    switch (request) {
      case PolicyCases.Egress e -> {
        o.put("host", e.host());
        o.put("port", e.port());
        o.put("method", e.method().orElse(null));
        o.put("path", e.path().orElse(null));
        o.put("binary", e.binary().orElse(null));
      }
      case PolicyCases.Tool t -> {
        o.put("server", t.server().orElse(null));
        o.put("tool", t.tool());
      }
    }
    return o;
  }
}
