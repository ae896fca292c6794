package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Explain what this kernel and host support for sandboxes, and what to do about what they lack.")
final class DoctorCommand implements Callable<Integer> {
  @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
  OutputFormat output;

  @Override
  public Integer call() {
    return NotAvailable.say("doctor");
  }
}
