package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.Fleet;
import dev.nemoclaw.control.StatusText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = "List running sandboxes: name, backend, pid, uptime, memory, cpu, pending "
        + "approvals, and the health of their model routes with tokens and cost so far.",
    footer = {"", "MODELS: each inference route and its circuit (ok, open, half-open), then tokens"
        + " and USD spent in this run; - without routes.",
        "", "-o json: an array of {name, backend, pid, startedAt, uptimeMs, memoryBytes,"
        + " cpuSeconds, pids, pending, inference} (docs/control-protocol.md); a sandbox that did"
        + " not answer has null figures and an \"error\".",
        "Exit codes: 0 listed (even if none run); 2 usage error."})
final class PsCommand implements Callable<Integer> {
  private static final List<String> FIELDS = List.of("name", "backend", "pid", "startedAt",
      "uptimeMs", "memoryBytes", "cpuSeconds", "pids", "pending", "inference");

  @Option(names = {"-o", "--output"}, description = "text (default) or json", defaultValue = "text")
  OutputFormat output;

  @Override
  public Integer call() {
    List<Fleet.Answer> answers = Fleet.fromEnvironment().statuses();
    ArrayNode json = new ObjectMapper().createArrayNode();
    List<List<String>> rows = new ArrayList<>();
    for (Fleet.Answer a : answers) {
      ObjectNode o = json.addObject();
      JsonNode st = a.result().map(r -> (JsonNode) r).orElse(json.objectNode());
      for (String f : FIELDS) {
        o.set(f, st.hasNonNull(f) ? st.get(f) : null);
      }
      o.put("name", a.entry().name());
      o.put("backend", st.path("backend").asText(a.entry().backend()));
      o.put("pid", st.path("pid").asLong(a.entry().pid()));
      o.put("startedAt", a.entry().startedAt().toString());
      a.error().ifPresent(e -> {
        o.put("error", e);
        Human.say(a.entry().name() + " did not answer: " + e);
      });
      rows.add(List.of(a.entry().name(), o.path("backend").asText(), o.path("pid").asText(),
          o.hasNonNull("uptimeMs") ? StatusText.age(Duration.ofMillis(o.get("uptimeMs").asLong())) : "?",
          o.hasNonNull("memoryBytes") ? Human.bytes(o.get("memoryBytes").asLong()) : "?",
          o.hasNonNull("cpuSeconds") ? Human.seconds(o.get("cpuSeconds").asDouble()) : "?",
          o.hasNonNull("pending") ? o.get("pending").asText() : "?",
          StatusText.models(o.path("inference"))));
    }
    if (output == OutputFormat.json) {
      Json.print(json);
    } else if (rows.isEmpty()) {
      Human.say("no sandbox is running");
    } else {
      System.out.print(Human.table(
          List.of("NAME", "BACKEND", "PID", "UPTIME", "MEMORY", "CPU", "PENDING", "MODELS"),
          rows));
    }
    return 0;
  }
}
