package dev.nemoclaw.cli;

import dev.nemoclaw.tui.Term;
import dev.nemoclaw.tui.TermFeed;
import dev.nemoclaw.control.Registry;
import dev.nemoclaw.tui.ControlTermFeed;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

@Command(
    name = "term",
    mixinStandardHelpOptions = true,
    description = {
      "The operator TUI: running sandboxes, pending approvals and escalations, live decisions.",
      "",
      "Keys: o allow once · s allow for this session · a allow always (new policy revision) ·"
          + " d deny · D deny always · Tab next pane · Enter detail · Esc back ·"
          + " arrows or j/k move · l policy & log · q or Ctrl-C quit.",
      "New approvals are highlighted and ring the terminal bell. NO_COLOR is honoured."
    })
final class TermCommand implements Callable<Integer> {
  private final Supplier<TermFeed> feed;

  TermCommand() {
    this(TermCommand::feed);
  }

  TermCommand(Supplier<TermFeed> feed) {
    this.feed = feed;
  }

  /** Where the TUI's data comes from: every running sandbox's control socket. */
  static TermFeed feed() {
    return new ControlTermFeed(Registry.fromEnvironment());
  }

  @Override
  public Integer call() throws Exception {
    if (!Term.interactive()) {
      System.err.println("nemoclaw term: needs a terminal (stdin and stdout); in scripts use"
          + " `nemoclaw approvals list` and `nemoclaw approvals approve|deny`.");
      return 1;
    }
    return Term.run(feed.get());
  }
}
