package dev.nemoclaw.cli;

import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import java.nio.file.Path;
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
      description = "Say what the policy decides for a request, which rule decides and what it shadows.")
  static final class Explain implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = "--host", required = true) String host;
    @Option(names = "--port", required = true) int port;
    @Option(names = "--method") String method;
    @Option(names = "--path") String path;
    @Option(names = "--binary") String binary;
    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json")
    OutputFormat output;

    @Override
    public Integer call() {
      return NotAvailable.say("policy explain");
    }
  }
}
