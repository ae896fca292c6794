package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = "List running sandboxes: name, backend, pid, uptime, memory, cpu, pending approvals.")
final class PsCommand implements Callable<Integer> {
  @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
  OutputFormat output;

  @Override
  public Integer call() {
    return NotAvailable.say("ps");
  }
}
