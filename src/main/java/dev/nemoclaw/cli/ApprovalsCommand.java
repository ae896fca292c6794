package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "Pending egress, escalation and tool requests of every sandbox, and decisions on them.",
    subcommands = {
      ApprovalsCommand.List.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
final class ApprovalsCommand {
  enum Scope { once, session, always }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Pending requests: id, sandbox, kind, host, port, binary, method, path, hits, age.")
  static final class List implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
    OutputFormat output;

    @Override
    public Integer call() {
      return NotAvailable.say("approvals list");
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Allow a pending request.")
  static final class Approve implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the request's id (see `approvals list`)")
    String id;

    @Option(names = "--scope", defaultValue = "once",
        description = "once (default): this request; session: until the sandbox stops; "
            + "always: a new policy revision")
    Scope scope;

    @Option(names = "--ttl", paramLabel = "D", description = "the grant expires after this duration")
    String ttl;

    @Option(names = "--uses", paramLabel = "N", description = "the grant is spent after N uses")
    Integer uses;

    @Override
    public Integer call() {
      return NotAvailable.say("approvals approve");
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a pending request.")
  static final class Deny implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "the request's id")
    String id;

    @Option(names = "--always", description = "also write a deny rule as a new policy revision")
    boolean always;

    @Override
    public Integer call() {
      return NotAvailable.say("approvals deny");
    }
  }
}
