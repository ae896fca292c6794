package dev.nemoclaw.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    description = "Run a command inside a running sandbox, under the same restrictions as its agent.")
final class ExecCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "the sandbox's name")
  String name;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "the command and its arguments (after --)")
  List<String> command;

  @Override
  public Integer call() {
    return NotAvailable.say("exec");
  }
}
