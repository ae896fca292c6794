package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "The tamper-evident audit log on the host.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
final class AuditCommand {
  enum Format { ocsf, jsonl, cef }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check the hash chain; names the first bad record and exits 1 on any tampering.")
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "one agent (default: every log)")
    String name;

    @Override
    public Integer call() {
      return NotAvailable.say("audit verify");
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Stream an agent's audit log to stdout in a SIEM format.")
  static final class Export implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "the agent's name")
    String name;

    @Option(names = "--format", required = true, description = "ocsf, jsonl or cef")
    Format format;

    @Override
    public Integer call() {
      return NotAvailable.say("audit export");
    }
  }
}
