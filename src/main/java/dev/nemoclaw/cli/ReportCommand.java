package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "A compliance report for an agent, built from its audit log.")
final class ReportCommand implements Callable<Integer> {
  enum Format { html, md }

  @Parameters(paramLabel = "NAME", description = "the agent's name")
  String name;

  @Option(names = "--format", description = "html or md (default md)", defaultValue = "md")
  Format format;

  @Override
  public Integer call() {
    return NotAvailable.say("report");
  }
}
