package dev.nemoclaw.cli;

import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.host.HostProbe;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.policy.CompiledPolicy;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import dev.nemoclaw.supervisor.PlanJson;
import dev.nemoclaw.supervisor.Planner;
import dev.nemoclaw.supervisor.Protections;
import dev.nemoclaw.supervisor.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Build the sandbox that FILE describes, run the agent in it, stream its output and return its"
          + " exit code.",
      "",
      "Exit codes: the agent's own; 124 timeout; 125 nemoclaw failed before the agent started;"
          + " 126 command not executable; 127 command not found; 128+N killed by signal N."
    })
final class RunCommand implements Callable<Integer> {
  static final int EXIT_FAILED_TO_START = 125;

  @Parameters(index = "0", paramLabel = "FILE", description = "the agent.yaml")
  Path file;

  @Parameters(index = "1..*", paramLabel = "CMD",
      description = "after --: run this instead of the spec's command")
  List<String> command;

  @Option(names = "--ci",
      description = "never ask: unknown destinations are denied at once (implied by CI=true)")
  boolean ci;

  @Option(names = "--tui", description = "show the approvals pane beside the agent's output")
  boolean tui;

  @Option(names = {"-d", "--detach"}, description = "start in the background; see `nemoclaw ps`")
  boolean detach;

  @Option(names = "--report", paramLabel = "OUT.json", description = "write the run report here")
  Path report;

  @Option(names = "--backend", paramLabel = "B", description = "native (default) or docker")
  String backend;

  @Option(names = "--name", paramLabel = "N", description = "the sandbox's name (default: the spec's)")
  String name;

  @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "an extra plain variable inside")
  Map<String, String> env;

  @Option(names = "--dry-run",
      description = "print the fully resolved plan as JSON, with the protections active on this host;"
          + " start nothing")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    AgentSpec spec;
    SandboxPlan plan;
    try {
      spec = SpecLoader.load(file, System.getenv());
      plan = Planner.plan(spec, new Planner.Overrides(Optional.ofNullable(name),
          Optional.ofNullable(command), env == null ? Map.of() : env), System.getenv());
    } catch (SpecException e) {
      e.errors().forEach(err -> System.err.println(err.render()));
      System.err.println("nemoclaw run: " + e.errors().size() + " error(s) in " + file
          + "; nothing was started");
      return EXIT_FAILED_TO_START;
    } catch (Planner.PlanException e) {
      System.err.println("nemoclaw run: " + e.getMessage());
      return EXIT_FAILED_TO_START;
    }
    if (dryRun) {
      HostCapabilities host = HostProbe.probe(Duration.ofSeconds(2));
      Json.print(PlanJson.of(plan, Protections.of(plan, host)));
      return 0;
    }
    String chosen = backend != null ? backend : spec.backend().yaml();
    if (!chosen.equals("native")) {
      System.err.println("nemoclaw run: backend " + chosen + " is not available yet in this "
          + "build; use --backend native");
      return EXIT_FAILED_TO_START;
    }
    if (detach || tui) {
      System.err.println("nemoclaw run: " + (detach ? "--detach" : "--tui")
          + " is not available yet in this build");
      return EXIT_FAILED_TO_START;
    }
    boolean interactive = System.console() != null && System.console().isTerminal();
    return Supervisor.run(plan, new Supervisor.Options(Optional.ofNullable(report), interactive,
        System.err, Optional.of(CompiledPolicy.compile(spec.network()))));
  }
}
