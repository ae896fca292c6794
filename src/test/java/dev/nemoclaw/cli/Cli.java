package dev.nemoclaw.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real launcher ({@code ./nemoclaw}) the way a user does, for end-to-end tests. */
final class Cli {
  static final Path REPO = Path.of(System.getProperty("nemoclaw.repo", ".")).toAbsolutePath();

  record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private Cli() {}

  static Result run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), null, args);
  }

  /** {@code prefix}: a command to run the launcher under (e.g. setpriv for rootless), or null. */
  static Result run(Map<String, String> env, List<String> prefix, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (prefix != null) {
      cmd.addAll(prefix);
    }
    cmd.add(REPO.resolve("nemoclaw").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile());
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    pb.environment().remove("CI");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("nc-out", ".txt");
    Path err = Files.createTempFile("nc-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("nemoclaw " + String.join(" ", args) + " did not finish in 120s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
