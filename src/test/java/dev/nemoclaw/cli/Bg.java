package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code nemoclaw ARGS} in the background (a run to govern while it goes), output to files. */
record Bg(Process p, Path out, Path err) implements AutoCloseable {
  static Bg start(Map<String, String> env, Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Cli.REPO.resolve("nemoclaw").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(Cli.REPO.toFile());
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    pb.environment().remove("CI");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    return new Bg(pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
  }

  /** Kills the run if it still goes (a failed test leaves no sandbox behind). */
  @Override
  public void close() {
    p.destroyForcibly();
  }

  String stdout() {
    return read(out);
  }

  String stderr() {
    return read(err);
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int waitFor() throws Exception {
    return waitFor(60);
  }

  /** The exit code; fails if the run has not ended within {@code seconds}, killing it (-9). */
  int waitFor(int seconds) throws Exception {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly(); // the lifeline takes the sandbox with it
      throw new AssertionError("run did not end in " + seconds + " s: " + stdout() + stderr());
    }
    return p.exitValue();
  }

  /** Waits until stdout holds {@code text}; fails after {@code seconds} or if the process ends. */
  void awaitStdout(String text, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!stdout().contains(text)) {
      assertTrue(System.nanoTime() < end, () -> "no '" + text + "' in " + seconds + " s: "
          + stdout() + stderr());
      assertTrue(p.isAlive() || stdout().contains(text), this::stderr);
      Thread.sleep(50);
    }
  }
}
