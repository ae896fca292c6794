package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
    name = "term",
    mixinStandardHelpOptions = true,
    description = "The operator TUI: running sandboxes, pending approvals and escalations, live decisions.")
final class TermCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return NotAvailable.say("term");
  }
}
