package dev.nemoclaw.cli;

import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Validate agent specs and work with the policy store: revisions, diffs, rollback, explain.",
    subcommands = {
      PolicyCommand.Validate.class,
      PolicyCommand.Show.class,
      PolicyCommand.History.class,
      PolicyCommand.Diff.class,
      PolicyCommand.Rollback.class,
      PolicyCommand.Explain.class
    })
final class PolicyCommand {

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Check an agent.yaml: prints OK, or every error with file:line:column and field.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the agent.yaml")
    Path file;

    @Override
    public Integer call() {
      try {
        SpecLoader.load(file, System.getenv());
        System.out.println("OK " + file);
        return 0;
      } catch (SpecException e) {
        e.errors().forEach(err -> System.err.println(err.render()));
        return 1;
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print an agent's effective policy.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--rev", paramLabel = "N", description = "this revision (default: the newest)") Integer rev;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      return NotAvailable.say("policy show");
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "List an agent's policy revisions.")
  static final class History implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      return NotAvailable.say("policy history");
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true, description = "Show what changed between two revisions.")
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "R1") int r1;
    @Parameters(index = "2", paramLabel = "R2") int r2;

    @Override
    public Integer call() {
      return NotAvailable.say("policy diff");
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Make an earlier revision current again (as a new revision).")
  static final class Rollback implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--to", required = true, paramLabel = "N", description = "the revision to restore") int to;

    @Override
    public Integer call() {
      return NotAvailable.say("policy rollback");
    }
  }

  @Command(name = "explain", mixinStandardHelpOptions = true,
      description = {
        "Say what the network policy decides for a request, which rule decides, why, what to"
            + " change, and which other rules it shadows.",
        "Until the policy store exists, FILE is an agent.yaml (with its presets); later it will"
            + " also take a sandbox NAME.",
        "Without --method/--path the request is a CONNECT tunnel, as HTTPS without inspection is."},
      footer = {"", "Exit codes: 0 allowed; 1 denied, or no rule covers it (network.unknown"
          + " decides: ask or deny); 125 the agent.yaml has errors (printed as `policy validate`"
          + " prints them).",
          "-o json prints {verdict (allow|deny|unknown), rule, reason, hint (null when allowed),"
          + " inspect}."})
  static final class Explain implements Callable<Integer> {
    static final int EXIT_BAD_SPEC = 125;

    @Parameters(paramLabel = "FILE", description = "the agent.yaml whose network policy decides")
    Path file;
    @Option(names = "--host", required = true, paramLabel = "HOST",
        description = "destination: a DNS name or an IP address") String host;
    @Option(names = "--port", required = true, paramLabel = "PORT", description = "1..65535")
    int port;
    @Option(names = "--method", paramLabel = "METHOD",
        description = "HTTP method (plain HTTP, or inside an inspected tunnel)") String method;
    @Option(names = "--path", paramLabel = "PATH",
        description = "URL path, query allowed (plain HTTP, or inside an inspected tunnel)")
    String path;
    @Option(names = "--binary", paramLabel = "EXE",
        description = "the connecting executable as the sandbox sees it, e.g. /usr/bin/git;"
            + " leave out to see what happens when it cannot be identified") String binary;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      CompiledPolicy policy;
      try {
        policy = CompiledPolicy.compile(SpecLoader.load(file, System.getenv()).network());
      } catch (SpecException e) {
        e.errors().forEach(err -> System.err.println(err.render()));
        System.err.println("nemoclaw policy explain: " + e.errors().size() + " error(s) in " + file);
        return EXIT_BAD_SPEC;
      }
      CompiledPolicy.Explanation x = policy.explain(new EgressRequest(host, port,
          Optional.ofNullable(method), Optional.ofNullable(path), Optional.ofNullable(binary)));
      Decision d = x.decision();
      String verdict = switch (d) {
        case Decision.Allow a -> "allow";
        case Decision.Deny n -> "deny";
        case Decision.Unknown u -> "unknown";
      };
      String hint = switch (d) {
        case Decision.Allow a -> null;
        case Decision.Deny n -> n.hint();
        case Decision.Unknown u -> u.hint();
      };
      boolean inspect = d instanceof Decision.Allow a && a.inspect();
      if (output == OutputFormat.json) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("verdict", verdict);
        json.put("rule", d.rule());
        json.put("reason", d.reason());
        json.put("hint", hint);
        json.put("inspect", inspect);
        Json.print(json);
      } else {
        System.out.println("verdict: " + verdict + (inspect ? " (TLS inspected)" : ""));
        System.out.println("rule:    " + d.rule());
        System.out.println("reason:  " + d.reason());
        if (hint != null) {
          System.out.println("hint:    " + hint);
        }
        x.alsoMatching().forEach(r -> System.out.println("shadows: " + r));
      }
      return d instanceof Decision.Allow ? 0 : 1;
    }
  }
}
