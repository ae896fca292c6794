package dev.nemoclaw.cli;

import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.host.HostProbe;
import dev.nemoclaw.host.Summary;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Explain what this kernel and host support for sandboxes, and what to do about what they"
          + " lack.",
      "Checks: kernel, userns, landlock, seccomp, cgroups, init, docker, nested. Every check is"
          + " bounded by --timeout. See docs/doctor.md.",
      "Exit status: 0 when a full sandbox can run here, 1 when something it requires (user"
          + " namespaces, Landlock, seccomp) is missing."
    })
final class DoctorCommand implements Callable<Integer> {
  @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
  OutputFormat output;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2s",
      converter = DurationConverter.class,
      description = "How long each check may take (default ${DEFAULT-VALUE}); checks run in"
          + " parallel.")
  Duration timeout;

  @Override
  public Integer call() {
    HostCapabilities caps = HostProbe.probe(timeout);
    PrintStream out = System.out;
    switch (output) {
      case json -> out.println(DoctorReport.json(caps));
      case text -> out.print(DoctorReport.text(caps, colour()));
    }
    out.flush();
    return caps.summary().sandbox() == Summary.Sandbox.FULL ? 0 : 1;
  }

  private static boolean colour() {
    String noColor = System.getenv("NO_COLOR");
    // System.console() is non-null only when stdin and stdout are both terminals; isTerminal()
    // narrows it to stdout being one, which is what colouring stdout needs
    var console = System.console();
    return (noColor == null || noColor.isEmpty()) && console != null && console.isTerminal();
  }
}
