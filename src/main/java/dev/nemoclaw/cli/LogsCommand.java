package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.EventText;
import dev.nemoclaw.audit.Follower;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Problem;
import dev.nemoclaw.audit.Verification;
import dev.nemoclaw.control.ControlClient;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.Registry;
import dev.nemoclaw.host.HostDirs;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", mixinStandardHelpOptions = true,
    description = {"Print what a sandbox did: its audit log (docs/audit.md), one line per"
        + " verified event — starts and exits, egress decisions, approvals, policy revisions,"
        + " model calls, privacy findings.",
        "While the sandbox runs (and without --audit, --since or -o json): its recent output and"
            + " egress decisions from the running supervisor instead."},
    footer = {"", "With -f on a sandbox that is not running (or with --audit): the history, then"
        + " new events as they are appended, across log rotation and later runs, until Ctrl-C."
        + " With -f on a running sandbox: the agent's stdout to stdout and its stderr to stderr,"
        + " egress decisions to stdout, until it exits or Ctrl-C.",
        "-o json prints one OCSF object per line, as `audit export --format ocsf` does (the"
            + " record's seq is metadata.sequence).",
        "Exit codes: 0 printed (with -f on a running sandbox: it exited); 1 no running sandbox and"
            + " no audit log of that name, the audit log failed verification (what verified is"
            + " printed first; the message names the first bad record), or the sandbox could not"
            + " be asked; 2 usage error."})
final class LogsCommand implements Callable<Integer> {
  @Parameters(paramLabel = "NAME", description = "the sandbox's name")
  String name;

  @Option(names = {"-f", "--follow"}, description = "keep printing new events (or, from a running"
      + " sandbox, new output) until Ctrl-C")
  boolean follow;

  @Option(names = "--audit", description = "read the audit log even while the sandbox runs")
  boolean audit;

  @Option(names = "--since", paramLabel = "WHEN", converter = SinceConverter.class,
      description = "only events from then on: a duration ago (30s, 5m, 1h) or an instant"
          + " (2026-11-23T17:00:00Z); implies --audit")
  Instant since;

  @Option(names = {"-n", "--tail"}, paramLabel = "N",
      description = "only the last N lines of the history (then new ones with -f)")
  Integer tail;

  @Option(names = {"-o", "--output"}, defaultValue = "text",
      description = "text (default) or json: one OCSF event per line; json implies --audit")
  OutputFormat output;

  @Option(names = {"-v", "--verbose"}, description = "also the log's own checkpoints (opened,"
      + " rotated, closed)")
  boolean verbose;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (tail != null && tail < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for option '--tail': " + tail + " is negative");
    }
    HostDirs dirs = HostDirs.fromEnvironment();
    AuditLog log;
    try {
      log = AuditLog.forSandbox(dirs.state(), name);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Fleet fleet = Fleet.fromEnvironment();
    Optional<Registry.Entry> e = fleet.registry().find(name);
    boolean fromAudit = audit || since != null || output == OutputFormat.json;
    if (e.isPresent() && !fromAudit) {
      return live(e.get());
    }
    if (!log.exists()) {
      Human.say((e.isPresent() ? name + " runs but has no audit log yet" : "no running sandbox"
          + " named " + name + " and no audit log for it (no " + log.dir() + "); "
          + Human.running(fleet.names())));
      return 1;
    }
    HostKey key;
    try {
      key = HostKey.load(dirs.config());
    } catch (IOException ex) {
      Human.say("cannot read the audit log of " + name + ": " + ex.getMessage());
      return 1;
    }
    return fromAuditLog(log, key);
  }

  /** The audit log: verified history (since, tail), then, with -f, what is appended. */
  private int fromAuditLog(AuditLog log, HostKey key) throws InterruptedException {
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(
        new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16));
    ArrayDeque<String> last = new ArrayDeque<>();
    Follower follower = new Follower(log, key);
    try {
      Verification v = follower.history(entry -> render(entry).ifPresent(line -> {
        if (tail == null) {
          out.println(line);
        } else if (tail > 0) {
          if (last.size() == tail) {
            last.removeFirst();
          }
          last.addLast(line);
        }
      }));
      last.forEach(out::println);
      out.flush();
      if (v instanceof Verification.Broken bad) {
        return tampered(log, bad.records(), bad.problem());
      }
      while (follow) {
        Thread.sleep(Follower.INTERVAL);
        Optional<Problem> p = follower.poll(entry -> render(entry).ifPresent(out::println));
        out.flush();
        if (p.isPresent()) {
          return tampered(log, follower.records(), p.get());
        }
      }
      return out.checkError() ? 1 : 0;
    } catch (IOException ex) {
      out.flush();
      Human.say("cannot read the audit log of " + name + ": " + ex.getMessage());
      return 1;
    }
  }

  private static int tampered(AuditLog log, long good, Problem p) {
    Human.say("the audit log of " + log.name() + " fails verification after " + good
        + " good records; nothing after this is shown: " + p.render()
        + " (nemoclaw audit verify " + log.name() + ")");
    return 1;
  }

  /** The line to print for one verified record, if any. */
  private Optional<String> render(AuditLog.Entry entry) throws IOException {
    ObjectNode event = entry.event();
    if (EventText.isCheckpoint(event) && !verbose) {
      return Optional.empty();
    }
    JsonNode t = event.path("time");
    if (since != null && t.canConvertToLong() && t.asLong() < since.toEpochMilli()) {
      return Optional.empty();
    }
    if (output == OutputFormat.json) {
      return Optional.of(JSON.writeValueAsString(
          dev.nemoclaw.audit.Export.ocsf(event, name, entry.file(), entry.seq())));
    }
    return Optional.of(EventText.line(event));
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code 5m} (that long ago) or an ISO-8601 instant. */
  static final class SinceConverter implements picocli.CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      String v = value.strip();
      try {
        return Instant.now().minus(dev.nemoclaw.spec.Values.duration(v));
      } catch (IllegalArgumentException notADuration) {
        // then it has to be an instant
      }
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is neither a"
            + " duration (30s, 5m, 1h) nor an instant (2026-11-23T17:00:00Z)");
      }
    }
  }

  /** Today's behaviour for a running sandbox: its output and decisions, from its supervisor. */
  private int live(Registry.Entry e) throws InterruptedException {
    try (ControlClient c = ControlClient.connect(e.socket())) {
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

  private void printLines(ObjectNode result) {
    JsonNode lines = result.path("lines");
    int skip = tail == null ? 0 : Math.max(0, lines.size() - tail);
    for (JsonNode l : lines) {
      if (skip-- > 0) {
        continue;
      }
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
