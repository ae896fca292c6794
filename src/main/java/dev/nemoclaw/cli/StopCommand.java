package dev.nemoclaw.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stop a running sandbox: SIGTERM to the agent, SIGKILL after the grace period.")
final class StopCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the sandbox's name (see `nemoclaw ps`)")
  String name;

  @Option(names = {"-t", "--time"}, paramLabel = "D", description = "grace period before SIGKILL (default 10s)")
  String grace;

  @Override
  public Integer call() {
    return NotAvailable.say("stop");
  }
}
