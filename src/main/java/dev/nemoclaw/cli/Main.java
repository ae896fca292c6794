package dev.nemoclaw.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code nemoclaw} root command: every subcommand of the contract, nothing else.
 *
 * <p>The root and {@code run} are built with picocli's programmatic API, the other commands from
 * their annotations: picocli's annotation reflection (a dynamic proxy per annotation type, then
 * reflective access to every member) costs more than the JVM's own start, and every sandbox start
 * goes through these two.
 */
public final class Main implements Runnable {
  private CommandSpec spec;

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
      case "run" -> RunCommand.model();
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

  /** The root command's model. */
  static CommandSpec model() {
    Main main = new Main();
    main.spec = CommandSpec.wrapWithoutInspection(main)
        .name("nemoclaw")
        .versionProvider(new VersionProvider());
    main.spec.usageMessage()
        .description(
            "Run AI agents in hardened Linux sandboxes and govern, live, what they may reach.",
            "")
        .footer(
            "",
            "Exit codes of `run`: the agent's own code; 124 timeout; 125 nemoclaw failed before the"
                + " agent started; 126 command not executable; 127 command not found; 128+N killed"
                + " by signal N.",
            "Other commands: 0 success, 1 failure, 2 usage error or not available yet.");
    addStandardHelpOptions(main.spec);
    return main.spec;
  }

  /**
   * {@code -h/--help} and {@code -V/--version}, as {@code mixinStandardHelpOptions = true} makes
   * them, but without the reflection over picocli's own annotated mixin that it does for that.
   */
  static void addStandardHelpOptions(CommandSpec spec) {
    spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
        .description("Show this help message and exit.").build());
    spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
        .description("Print version information and exit.").build());
  }

  /**
   * The command line for {@code args}. Picocli reflects over every annotated command it is given,
   * so a plain subcommand gets only its own model; the root help, {@code help} and
   * {@code completion} need them all.
   */
  public static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(model());
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
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      // What picocli prints for it, without building any model first. Returning (exit status 0)
      // instead of System.exit also skips the logger lookup below.
      for (String line : new VersionProvider().getVersion()) {
        System.out.println(line);
      }
      return;
    }
    // System.exit asks for a System.Logger to log the exit, and the first such lookup scans every
    // jar on the class path for a LoggerFinder (~40 ms for our 29 jars): make it now, on another
    // core, beside the command, instead of after it.
    Thread.ofPlatform().daemon().name("logger-lookup")
        .start(() -> System.getLogger("java.lang.Runtime"));
    // We use no Groovy; without this picocli looks for groovy.lang.Closure in every jar (~35 ms).
    System.setProperty("picocli.disable.closures", "true");
    System.exit(commandLine(args).execute(args));
  }
}
