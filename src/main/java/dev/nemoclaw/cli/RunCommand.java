package dev.nemoclaw.cli;

import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.host.HostProbe;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.sandbox.docker.DockerBackend;
import dev.nemoclaw.sandbox.linux.LinuxBackend;
import dev.nemoclaw.spec.Backend;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.SpecException;
import dev.nemoclaw.spec.SpecLoader;
import dev.nemoclaw.supervisor.PlanJson;
import dev.nemoclaw.supervisor.Planner;
import dev.nemoclaw.supervisor.Protections;
import dev.nemoclaw.supervisor.Supervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code nemoclaw run}. Its options are declared in {@link #model}, with picocli's programmatic
 * API rather than annotations: every sandbox start parses them, and reflecting over annotations
 * costs tens of milliseconds there (see {@link Main}).
 */
final class RunCommand implements Callable<Integer> {
  static final int EXIT_FAILED_TO_START = 125;

  Path file;
  List<String> command;
  boolean ci;
  boolean tui;
  boolean detach;
  Path report;
  String backend;
  boolean pull;
  String name;
  Map<String, String> env;
  boolean dryRun;
  Path policyDir;

  /** The command's model; parsing fills the fields of a new RunCommand, which then runs. */
  static CommandSpec model() {
    RunCommand c = new RunCommand();
    CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("run");
    spec.usageMessage().description(
        "Build the sandbox that FILE describes, run the agent in it, stream its output and return"
            + " its exit code.",
        "",
        "Exit codes: the agent's own; 124 timeout; 125 nemoclaw failed before the agent started;"
            + " 126 command not executable; 127 command not found; 128+N killed by signal N.");
    Binding<Path> file = new Binding<>(() -> c.file, v -> c.file = v);
    spec.addPositional(PositionalParamSpec.builder().index("0").paramLabel("FILE")
        .type(Path.class).required(true).description("the agent.yaml")
        .getter(file).setter(file).build());
    Binding<List<String>> cmd = new Binding<>(() -> c.command, v -> c.command = v);
    spec.addPositional(PositionalParamSpec.builder().index("1..*").paramLabel("CMD")
        .type(List.class).auxiliaryTypes(String.class).arity("0..1")
        .description("after --: run this instead of the spec's command")
        .getter(cmd).setter(cmd).build());
    option(spec, new Binding<Boolean>(() -> c.ci, v -> c.ci = v), Boolean.TYPE, null,
        "never ask: unknown destinations are denied at once (implied by CI=true)", "--ci");
    option(spec, new Binding<Boolean>(() -> c.tui, v -> c.tui = v), Boolean.TYPE, null,
        "show the approvals pane beside the agent's output", "--tui");
    option(spec, new Binding<Boolean>(() -> c.detach, v -> c.detach = v), Boolean.TYPE, null,
        "start in the background; see `nemoclaw ps`", "-d", "--detach");
    option(spec, new Binding<Path>(() -> c.report, v -> c.report = v), Path.class, "OUT.json",
        "write the run report here", "--report");
    option(spec, new Binding<String>(() -> c.backend, v -> c.backend = v), String.class, "B",
        "native (default: the spec's backend) or docker (the same sandbox as a container of the"
            + " Docker engine at DOCKER_HOST or /var/run/docker.sock)", "--backend");
    option(spec, new Binding<Boolean>(() -> c.pull, v -> c.pull = v), Boolean.TYPE, null,
        "pull `image: docker:NAME` into the engine when it does not have it (never done without"
            + " this; both backends)",
        "--pull");
    option(spec, new Binding<String>(() -> c.name, v -> c.name = v), String.class, "N",
        "the sandbox's name (default: the spec's)", "--name");
    Binding<Map<String, String>> env = new Binding<>(() -> c.env, v -> c.env = v);
    spec.addOption(OptionSpec.builder("-e", "--env").paramLabel("K=V")
        .type(Map.class).auxiliaryTypes(String.class, String.class)
        .description("an extra plain variable inside").getter(env).setter(env).build());
    option(spec, new Binding<Path>(() -> c.policyDir, v -> c.policyDir = v), Path.class, "DIR",
        "org and team policy layer files (default: CONFIG/policy.d, see docs/policy-layers.md);"
            + " edits to them, and to agent.yaml's network and privacy, apply while the run goes",
        "--policy-dir");
    option(spec, new Binding<Boolean>(() -> c.dryRun, v -> c.dryRun = v), Boolean.TYPE, null,
        "print the fully resolved plan as JSON, with the protections active on this host;"
            + " start nothing", "--dry-run");
    Main.addStandardHelpOptions(spec);
    return spec;
  }

  private static void option(CommandSpec spec, Binding<?> binding, Class<?> type, String label,
      String description, String... names) {
    OptionSpec.Builder b = OptionSpec.builder(names).type(type).description(description)
        .initialValue(binding.get()).getter(binding).setter(binding);
    if (label != null) {
      b.paramLabel(label);
    }
    spec.addOption(b.build());
  }

  @Override
  public Integer call() throws Exception {
    AgentSpec spec;
    SandboxPlan plan;
    SpecPolicySource policy;
    Path layers = policyDir != null ? policyDir
        : HostDirs.fromEnvironment().config().resolve("policy.d");
    Optional<Backend> chosen = Optional.empty();
    if (backend != null) {
      chosen = Arrays.stream(Backend.values()).filter(b -> b.yaml().equals(backend)).findFirst();
      if (chosen.isEmpty()) {
        System.err.println("nemoclaw run: --backend " + backend + ": use native or docker");
        return EXIT_FAILED_TO_START;
      }
    }
    try {
      spec = SpecLoader.load(file, System.getenv());
      plan = Planner.plan(spec, new Planner.Overrides(Optional.ofNullable(name),
          Optional.ofNullable(command), env == null ? Map.of() : env, chosen, pull),
          System.getenv());
    } catch (SpecException e) {
      e.errors().forEach(err -> System.err.println(err.render()));
      System.err.println("nemoclaw run: " + e.errors().size() + " error(s) in " + file
          + "; nothing was started");
      return EXIT_FAILED_TO_START;
    } catch (Planner.PlanException e) {
      System.err.println("nemoclaw run: " + e.getMessage());
      return EXIT_FAILED_TO_START;
    }
    try {
      policy = SpecPolicySource.open(spec, plan.name(), layers);
    } catch (SpecException e) {
      e.errors().forEach(err -> System.err.println(err.render()));
      System.err.println("nemoclaw run: " + e.errors().size() + " error(s) in the policy layers"
          + " in " + layers + "; nothing was started");
      return EXIT_FAILED_TO_START;
    }
    if (dryRun) {
      HostCapabilities host = HostProbe.probe(Duration.ofSeconds(2));
      Json.print(PlanJson.of(plan, Protections.of(plan, host)));
      return 0;
    }
    dev.nemoclaw.sandbox.Backend builder = switch (chosen.orElse(spec.backend())) {
      case NATIVE -> LinuxBackend.forThisHost();
      case DOCKER -> DockerBackend.forThisHost();
    };
    if (detach) {
      System.err.println("nemoclaw run: --detach is not available yet in this build");
      return EXIT_FAILED_TO_START;
    }
    boolean interactive = System.console() != null && System.console().isTerminal();
    boolean never = ci || "true".equals(System.getenv("CI"));
    if (tui) {
      if (!interactive) {
        System.err.println("nemoclaw run: --tui needs a terminal (stdin and stdout); without one"
            + " use `nemoclaw run` and `nemoclaw approvals` from another shell");
        return EXIT_FAILED_TO_START;
      }
      return TuiRun.run(plan, spec, policy, Optional.ofNullable(report), never, builder);
    }
    return Supervisor.run(plan, new Supervisor.Options(Optional.ofNullable(report), interactive,
        System.err, policy, spec.inference(), never, Optional.empty(), builder));
  }
}
