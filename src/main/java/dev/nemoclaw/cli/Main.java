package dev.nemoclaw.cli;

import java.util.List;
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

  /** Every subcommand, in the order `--help` lists them. */
  private static final List<String> SUBCOMMANDS = List.of("run", "ps", "stop", "logs", "exec",
      "approvals", "term", "policy", "audit", "report", "presets", "doctor", "image",
      "completion", "help");

  private static Object subcommand(String name) {
    return switch (name) {
      case "run" -> new RunCommand();
      case "ps" -> new PsCommand();
      case "stop" -> new StopCommand();
      case "logs" -> new LogsCommand();
      case "exec" -> new ExecCommand();
      case "approvals" -> new ApprovalsCommand();
      case "term" -> new TermCommand();
      case "policy" -> new PolicyCommand();
      case "audit" -> new AuditCommand();
      case "report" -> new ReportCommand();
      case "presets" -> new PresetsCommand();
      case "doctor" -> new DoctorCommand();
      case "image" -> new ImageCommand();
      case "completion" -> new CompletionCommand();
      case "help" -> new CommandLine.HelpCommand();
      default -> throw new IllegalArgumentException(name);
    };
  }

  /**
   * The command line for {@code args}. Picocli reflects over every command it is given, which
   * costs more than the JVM's own start, so a plain subcommand gets only its own model; the root
   * help, {@code help} and {@code completion} need them all.
   */
  public static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new Main());
    String first = args.length > 0 ? args[0] : "";
    boolean one = SUBCOMMANDS.contains(first) && !first.equals("help")
        && !first.equals("completion");
    boolean none = first.equals("-V") || first.equals("--version");
    for (String name : SUBCOMMANDS) {
      if (!none && (!one || name.equals(first))) {
        cl.addSubcommand(name, subcommand(name));
      }
    }
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpAutoWidth(true);
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }
}
