package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget.ControlError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The real {@code nemoclaw term} screen ({@link Term#run}) over a scripted feed, for the tmux
 * end-to-end test: one sandbox with one pending approval and a little egress. Each decision is
 * appended to the file named by the first argument; the second names a file for the pid.
 */
public final class FakeTermMain {
  private FakeTermMain() {}

  public static void main(String[] args) throws Exception {
    Path decisions = Path.of(args[0]);
    Files.writeString(Path.of(args[1]), Long.toString(ProcessHandle.current().pid()));
    TermFeed feed = new TermFeed() {
      @Override
      public AutoCloseable start(Consumer<ObjectNode> events) {
        Thread t = Thread.ofVirtual().start(() -> {
          Instant now = Instant.now();
          ObjectNode a = Events.approval("hello", "a1", "api.example.com", 0)
              .put("createdAt", now.toString())
              .put("expiresAt", now.plusSeconds(600).toString());
          events.accept(Events.up("hello"));
          events.accept(Events.egress("hello", "allow", "pypi.org", 443));
          events.accept(Events.egress("hello", "deny", "pastebin.com", 80));
          events.accept(Events.newApproval(a));
        });
        return t::interrupt;
      }

      @Override
      public ObjectNode decide(String sandbox, String approval, String verdict)
          throws ControlError, IOException {
        Files.writeString(decisions, sandbox + "/" + approval + "/" + verdict + "\n",
            StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return Events.JSON.createObjectNode().put("approval", approval).put("verdict", verdict)
            .put("by", "operator").put("channel", "tui").put("at", Instant.now().toString());
      }
    };
    System.exit(Term.run(feed));
  }
}
