package dev.nemoclaw.cli;

import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.StatusText;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stop a running sandbox: SIGTERM to the agent, SIGKILL after the grace period;"
        + " waits until it is gone.",
    footer = {"", "Prints the sandbox's name once it has stopped.",
        "Exit codes: 0 stopped; 1 no sandbox of that name runs (the running ones are listed), it"
            + " could not be asked, or it still runs 10s after the grace period; 2 usage error."})
final class StopCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the sandbox's name (see `nemoclaw ps`)")
  String name;

  @Option(names = {"--grace", "-t", "--time"}, paramLabel = "D", defaultValue = "10s",
      converter = DurationConverter.class,
      description = "grace period before SIGKILL, e.g. 500ms, 30s (default 10s)")
  Duration grace;

  @Override
  public Integer call() throws InterruptedException {
    Fleet fleet = Fleet.fromEnvironment();
    try {
      if (fleet.stop(name, grace).isEmpty()) {
        Human.say("no running sandbox named " + name + "; " + Human.running(fleet.names()));
        return 1;
      }
    } catch (IOException | ControlTarget.ControlError e) {
      Human.say("cannot stop " + name + ": " + e.getMessage());
      return 1;
    }
    Duration wait = grace.plusSeconds(10);
    if (!fleet.awaitGone(name, wait)) {
      Human.say(name + " is still running " + StatusText.age(wait) + " after it was asked to stop");
      return 1;
    }
    Human.say("stopped " + name);
    System.out.println(name);
    return 0;
  }
}
