package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "presets",
    mixinStandardHelpOptions = true,
    description = "Network presets that agent.yaml names in network.presets.",
    subcommands = {PresetsCommand.List.class, PresetsCommand.Show.class})
final class PresetsCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the available presets.")
  static final class List implements Callable<Integer> {
    @Override
    public Integer call() {
      return NotAvailable.say("presets list");
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one preset's rules.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      return NotAvailable.say("presets show");
    }
  }
}
