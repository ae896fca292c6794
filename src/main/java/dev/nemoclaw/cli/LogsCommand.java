package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlClient;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.Registry;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", mixinStandardHelpOptions = true,
    description = "Print a sandbox's recent output and egress decisions.",
    footer = {"", "With -f, the agent's stdout goes to stdout and its stderr to stderr, egress"
        + " decisions to stdout, until the sandbox exits or Ctrl-C.",
        "Exit codes: 0 printed (with -f: the sandbox exited); 1 no sandbox of that name runs (the"
            + " running ones are listed), or it could not be asked; 2 usage error."})
final class LogsCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the sandbox's name")
  String name;

  @Option(names = {"-f", "--follow"}, description = "keep printing new output until the sandbox exits")
  boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    Fleet fleet = Fleet.fromEnvironment();
    Optional<Registry.Entry> e = fleet.registry().find(name);
    if (e.isEmpty()) {
      Human.say("no running sandbox named " + name + "; " + Human.running(fleet.names()));
      return 1;
    }
    try (ControlClient c = ControlClient.connect(e.get().socket())) {
      if (!follow) {
        printLines(c.call("logs"));
        return 0;
      }
      // events wait here until the backlog is out, so they print after it
      BlockingQueue<ObjectNode> events = new LinkedBlockingQueue<>();
      ObjectNode args = new ObjectMapper().createObjectNode().put("follow", true);
      try (ControlClient.Subscription s = c.open("logs", args, events::add)) {
        printLines(s.result());
        while (true) {
          ObjectNode ev = events.poll(200, TimeUnit.MILLISECONDS);
          if (ev == null) {
            if (s.await(java.time.Duration.ZERO) && events.isEmpty()) {
              Human.say(name + " has stopped (its control socket closed)");
              return 0;
            }
            continue;
          }
          Integer exit = print(ev);
          if (exit != null) {
            return exit;
          }
        }
      }
    } catch (IOException | ControlTarget.ControlError ex) {
      Human.say("cannot read the logs of " + name + ": " + ex.getMessage());
      return 1;
    }
  }

  private static void printLines(ObjectNode result) {
    for (JsonNode l : result.path("lines")) {
      System.out.println(l.asText());
    }
    System.out.flush();
  }

  /** Prints one event; a non-null return ends following with that exit code. */
  private Integer print(ObjectNode ev) {
    switch (ev.path("event").asText()) {
      case "output" -> {
        if (ev.path("stream").asText().equals("stderr")) {
          System.err.println(ev.path("text").asText());
        } else {
          System.out.println(ev.path("text").asText());
          System.out.flush();
        }
      }
      case "egress" -> {
        StringBuilder sb = new StringBuilder("egress ").append(ev.path("decision").asText("?"))
            .append(' ');
        if (ev.hasNonNull("method")) {
          sb.append(ev.get("method").asText()).append(' ');
        }
        sb.append(ev.path("host").asText()).append(':').append(ev.path("port").asText());
        if (ev.hasNonNull("path")) {
          sb.append(ev.get("path").asText());
        }
        if (ev.hasNonNull("exe")) {
          sb.append(" from ").append(ev.get("exe").asText());
        }
        if (ev.hasNonNull("reason")) {
          sb.append(" — ").append(ev.get("reason").asText());
        }
        System.out.println(sb);
        System.out.flush();
      }
      case "exit" -> {
        Human.say(name + " exited with code " + ev.path("code").asText("?"));
        return 0;
      }
      case "error" -> {
        Human.say("stopped following " + name + ": " + ev.path("message").asText());
        return 1;
      }
      default -> {
        // other lifecycle events say nothing a log reader needs
      }
    }
    return null;
  }
}
