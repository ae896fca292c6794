package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a sandbox's output.")
final class LogsCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the sandbox's name")
  String name;

  @Option(names = {"-f", "--follow"}, description = "keep printing new output until the sandbox exits")
  boolean follow;

  @Override
  public Integer call() {
    return NotAvailable.say("logs");
  }
}
