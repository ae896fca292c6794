package dev.nemoclaw.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nemoclaw} root command: every subcommand of the contract, nothing else. */
@Command(
    name = "nemoclaw",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Run AI agents in hardened Linux sandboxes and govern, live, what they may reach.",
      ""
    },
    subcommands = {
      RunCommand.class,
      PsCommand.class,
      StopCommand.class,
      LogsCommand.class,
      ExecCommand.class,
      ApprovalsCommand.class,
      TermCommand.class,
      PolicyCommand.class,
      AuditCommand.class,
      ReportCommand.class,
      PresetsCommand.class,
      DoctorCommand.class,
      ImageCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes of `run`: the agent's own code; 124 timeout; 125 nemoclaw failed before the"
          + " agent started; 126 command not executable; 127 command not found; 128+N killed by"
          + " signal N.",
      "Other commands: 0 success, 1 failure, 2 usage error or not available yet."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpAutoWidth(true);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
