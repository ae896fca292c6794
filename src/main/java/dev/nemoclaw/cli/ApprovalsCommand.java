package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.StatusText;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "Pending egress, escalation and tool requests of every sandbox, and decisions on them.",
    subcommands = {
      ApprovalsCommand.List.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
final class ApprovalsCommand {
  enum Scope { once, session, always }

  static final String DECIDE_EXIT = "Exit codes: 0 decided (every ID); 1 an ID was already"
      + " decided (who won is printed), is no pending request (the pending ids are printed), or"
      + " was refused by the sandbox; 2 usage error. -o json: the decision, an array of them for"
      + " several IDs.";

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Pending requests, newest first: id, sandbox, kind, destination, binary, hits, age.",
      footer = {"", "-o json: an array of {id, sandbox, kind, host, port, binary, method, path,"
          + " detail, hits, createdAt, ...} (CONTRACT §4, docs/control-protocol.md).",
          "Exit codes: 0 listed (even if none are pending); 2 usage error."})
  static final class List implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
    OutputFormat output;

    @Override
    public Integer call() {
      Fleet.Pending p = Fleet.fromEnvironment().approvals();
      for (Fleet.Answer f : p.failures()) {
        Human.say(f.entry().name() + " did not answer: " + f.error().orElse("?"));
      }
      if (output == OutputFormat.json) {
        ArrayNode a = new ObjectMapper().createArrayNode();
        p.items().forEach(a::add);
        Json.print(a);
        return 0;
      }
      if (p.items().isEmpty()) {
        Human.say("nothing is pending");
        return 0;
      }
      var rows = new ArrayList<java.util.List<String>>();
      Instant now = Instant.now();
      for (ObjectNode i : p.items()) {
        String dest = i.path("host").asText("") + (i.hasNonNull("port") ? ":" + i.get("port").asText() : "");
        if (i.hasNonNull("method")) {
          dest = i.get("method").asText() + " " + dest + i.path("path").asText("");
        }
        if (dest.isBlank() || i.path("kind").asText().equals("tool")) {
          dest = i.path("detail").asText(""); // a tool call: server/tool, masked arguments
        }
        if (i.hasNonNull("warning")) {
          dest = dest + "  (!) " + i.get("warning").asText();
        }
        String age;
        try {
          age = StatusText.age(Duration.between(Instant.parse(i.path("createdAt").asText()), now));
        } catch (RuntimeException e) {
          age = "?";
        }
        rows.add(java.util.List.of(i.path("id").asText(), i.path("sandbox").asText(),
            i.path("kind").asText(), i.hasNonNull("binary") ? i.get("binary").asText() : "-",
            i.path("hits").asText("1"), age, dest));
      }
      System.out.print(Human.table(
          java.util.List.of("ID", "SANDBOX", "KIND", "BINARY", "HITS", "AGE", "DESTINATION"), rows));
      return 0;
    }
  }

  /**
   * Decides each of {@code ids} in turn through the fleet and reports each outcome; the exit code
   * of approve and deny: 0 when all were decided, else 1 (each failure said on stderr). With
   * {@code -o json}: one id prints its decision, several an array of the decisions made.
   */
  static int decide(java.util.List<String> ids, String verdict, Duration ttl, int uses,
      OutputFormat output, String done) {
    Fleet fleet = Fleet.fromEnvironment();
    ArrayNode decided = new ObjectMapper().createArrayNode();
    int failed = 0;
    for (String id : ids) {
      try {
        ObjectNode r = fleet.decide(id, verdict, ttl, uses, "cli");
        decided.add(r);
        if (output != OutputFormat.json) {
          System.out.println(done + " " + id + " in " + r.path("sandbox").asText() + " ("
              + r.path("verdict").asText() + ")");
        }
      } catch (ControlTarget.ControlError e) {
        failed++;
        refused(id, e);
      } catch (IOException e) {
        failed++;
        Human.say("cannot decide " + id + ": " + e.getMessage());
      }
    }
    if (output == OutputFormat.json && !decided.isEmpty()) {
      Json.print(ids.size() == 1 ? decided.get(0) : decided);
    }
    return failed == 0 ? 0 : 1;
  }

  private static void refused(String id, ControlTarget.ControlError e) {
    JsonNode d = e.details() == null ? new ObjectMapper().createObjectNode() : e.details();
    switch (e.code()) {
      case "already_decided" -> Human.say(id + " was already decided: "
          + d.path("verdict").asText("?") + " by " + d.path("by").asText("?") + " via "
          + d.path("channel").asText("?") + " at " + d.path("at").asText("?")
          + (d.hasNonNull("sandbox") ? " (" + d.get("sandbox").asText() + ")" : ""));
      case "unknown_approval" -> {
        var pending = new ArrayList<String>();
        d.path("pending").forEach(n -> pending.add(n.asText()));
        Human.say(e.getMessage() + "; " + (pending.isEmpty() ? "nothing is pending"
            : "pending: " + String.join(", ", pending)));
        d.path("unreachable").forEach(n -> Human.say("did not answer: " + n.asText()));
      }
      default -> Human.say("cannot decide " + id + ": " + e.getMessage() + " (" + e.code() + ")");
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Allow pending requests.",
      footer = {"", DECIDE_EXIT})
  static final class Approve implements Callable<Integer> {
    @Parameters(paramLabel = "ID", arity = "1..*",
        description = "the request's id (see `approvals list`); several are decided in turn")
    java.util.List<String> ids;

    @Option(names = "--scope", defaultValue = "once",
        description = "once (default): this request; session: until the sandbox stops; "
            + "always: a new policy revision")
    Scope scope;

    @Option(names = "--ttl", paramLabel = "D", converter = DurationConverter.class,
        description = "the grant expires after this duration, e.g. 10m")
    Duration ttl;

    @Option(names = "--uses", paramLabel = "N", description = "the grant is spent after N uses")
    Integer uses;

    @Option(names = {"-o", "--output"}, description = "text (default) or json (the decision)",
        defaultValue = "text")
    OutputFormat output;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (uses != null && uses < 1) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--uses must be 1 or more");
      }
      return decide(ids, scope.name(), ttl, uses == null ? 0 : uses, output, "approved");
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny pending requests.",
      footer = {"", DECIDE_EXIT})
  static final class Deny implements Callable<Integer> {
    @Parameters(paramLabel = "ID", arity = "1..*",
        description = "the request's id; several are decided in turn")
    java.util.List<String> ids;

    @Option(names = "--always", description = "also write a deny rule as a new policy revision")
    boolean always;

    @Option(names = {"-o", "--output"}, description = "text (default) or json (the decision)",
        defaultValue = "text")
    OutputFormat output;

    @Override
    public Integer call() {
      return decide(ids, always ? "deny-always" : "deny", null, 0, output, "denied");
    }
  }
}
