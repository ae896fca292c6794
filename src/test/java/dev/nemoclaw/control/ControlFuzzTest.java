package dev.nemoclaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The control protocol against arbitrary request lines: the real server on a real socket, with a
 * fake sandbox behind it. Every line gets one answer, a JSON object with {@code ok} or {@code
 * error} (never a crash, a hang, or silence), and the server keeps serving the next client. Blank lines are
 * skipped by design (no answer).
 */
class ControlFuzzTest {
  static Path home;
  static Path sock;
  static FakeTarget target;
  static ControlServer server;

  @BeforeAll
  static void start() throws IOException {
    home = Files.createTempDirectory("nc-ctl-fuzz");
    sock = home.resolve("run/sandboxes/demo.sock");
    target = new FakeTarget("demo");
    target.hold("a1", "x.example.com", 443, 1);
    server = ControlServer.start(sock, target);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
  }

  @FuzzTest(maxDuration = "30s")
  void everyRequestLineGetsOneAnswer(byte[] line) throws Exception {
    byte[] clean = new byte[line.length];
    int n = 0;
    for (byte b : line) {
      if (b != '\n') {
        clean[n++] = b;
      }
    }
    boolean blank = new String(clean, 0, n, StandardCharsets.UTF_8).isBlank(); // skipped by design
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
      ByteBuffer out = ByteBuffer.allocate(n + 1).put(clean, 0, n).put((byte) '\n').flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      if (!blank) {
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
          try {
            return new Lines(ch, 1 << 20).read();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        String line0 = answer.get(5, TimeUnit.SECONDS);
        assertTrue(line0 != null, "no answer");
        JsonNode a = Lines.JSON.readTree(line0);
        assertTrue(a.isObject() && (a.has("ok") || a.has("error")), line0);
      }
    }
    try (ControlClient c = ControlClient.connect(sock)) {
      assertEquals("demo", c.call("hello").path("sandbox").asText());
    }
  }
}
