package dev.nemoclaw.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.PolicyWriter;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.sandbox.OutputChunk;
import dev.nemoclaw.spec.Network;
import dev.nemoclaw.spec.NetworkMode;
import dev.nemoclaw.spec.UnknownAction;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's output as {@code logs} and {@code output} subscribers see it, line by line. */
class SessionOutputTest {
  @TempDir Path state;

  @Test
  void aCharacterSplitAcrossChunksArrivesWhole() throws Exception {
    Network network = new Network(NetworkMode.PROXY, List.of(), List.of(), List.of(),
        UnknownAction.DENY, Duration.ofSeconds(5));
    try (Inbox inbox = new Inbox(Duration.ofSeconds(5), true, PolicyWriter.none())) {
      Session s = new Session("t", "linux", inbox,
          new LivePolicy(new TestSource(state.resolve("agent.yaml"), network), PolicyStore.forSandbox(state, "t")),
          new PrintStream(OutputStream.nullOutputStream()));
      List<ObjectNode> events = new CopyOnWriteArrayList<>();
      s.subscribe(List.of("output"), events::add);
      byte[] bytes = "héllo wörld 🦀\nnext\n".getBytes(StandardCharsets.UTF_8);
      int[] cuts = {2, 15, 17, bytes.length}; // inside é, inside the crab's four bytes
      int from = 0;
      for (int cut : cuts) {
        s.onOutput(new OutputChunk(false, Arrays.copyOfRange(bytes, from, cut)));
        from = cut;
      }
      assertEquals(List.of("héllo wörld 🦀", "next"), s.recentLog());
      assertEquals(List.of("héllo wörld 🦀", "next"),
          events.stream().map(e -> e.path("text").asText()).toList());
    }
  }
}
