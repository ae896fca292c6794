package dev.nemoclaw.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a short-lived helper with a hard time bound; a helper that overstays is killed. */
final class Exec {
  private Exec() {}

  record Result(int exit, String stdout, String stderr) {
    /** The first non-blank line of stderr (or stdout), for a one-line explanation. */
    String firstLine() {
      String s = stderr.isBlank() ? stdout : stderr;
      return s.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }
  }

  static Result run(List<String> command, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null"))).start();
    // drain both pipes concurrently: a chatty helper must not block on a full pipe
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try {
      if (!p.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
        kill(p);
        throw new TimeoutException(command.getFirst() + " did not finish within " + timeout);
      }
      return new Result(p.exitValue(), out.get(1, TimeUnit.SECONDS), err.get(1, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      kill(p);
      throw e;
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      // the helper exited but left a grandchild holding the pipe open
      kill(p);
      throw e;
    }
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (in) {
        // helpers print a line or two; cap what we keep so a runaway one cannot fill the heap
        f.complete(new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8));
      } catch (IOException e) {
        f.complete("");
      }
    });
    return f;
  }
}
