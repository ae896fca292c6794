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

  /** Runs a command as nobody; the launcher then runs from {@link #rootlessCopy()}. */
  static final List<String> ROOTLESS =
      List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");

  private static Path rootlessCopy;

  private Cli() {}

  /**
   * A world-readable copy of what the launcher runs (the repo may sit under a directory nobody
   * cannot enter, as a CI checkout in root's home does): the launcher and what it sources, jar,
   * libs, init, profiles, presets, examples and the escape probe. Made once per test JVM, removed at exit.
   */
  static synchronized Path rootlessCopy() throws IOException, InterruptedException {
    if (rootlessCopy == null) {
      Path copy = Files.createTempDirectory("nemoclaw-rootless");
      Files.createDirectories(copy.resolve("target"));
      Files.createDirectories(copy.resolve("scripts"));
      Files.createDirectories(copy.resolve("packaging"));
      sh("cp", "-a", REPO.resolve("nemoclaw").toString(), copy.toString());
      sh("cp", "-a", REPO.resolve("scripts/find-java.sh").toString(), copy.resolve("scripts").toString());
      sh("cp", "-a", REPO.resolve("packaging/jvm.sh").toString(), copy.resolve("packaging").toString());
      for (String d : List.of("profiles", "presets")) {
        sh("cp", "-a", REPO.resolve(d).toString(), copy.toString());
      }
      // not the OpenClaw runtime (650 MB) nor its workspace: OpenClawIT mounts them in place
      sh("sh", "-c", "tar -C \"$0\" -cf - --exclude=examples/openclaw/runtime"
          + " --exclude='examples/openclaw/runtime.partial.*' --exclude=examples/openclaw/workspace"
          + " examples | tar -C \"$1\" -xf -", REPO.toString(), copy.toString());
      for (String t : List.of("nemoclaw.jar", "lib", "native", "escape")) {
        sh("cp", "-a", REPO.resolve("target").resolve(t).toString(), copy.resolve("target").toString());
      }
      sh("chmod", "-R", "a+rX", copy.toString());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          sh("rm", "-rf", copy.toString());
        } catch (Exception e) {
          // best effort: it is a temp dir
        }
      }));
      rootlessCopy = copy;
    }
    return rootlessCopy;
  }

  private static void sh(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed");
    }
  }

  static Result run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), null, args);
  }

  /**
   * {@code prefix}: a command to run the launcher under (e.g. {@link #ROOTLESS}), or null; with a
   * prefix the launcher runs from {@link #rootlessCopy()}.
   */
  static Result run(Map<String, String> env, List<String> prefix, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    Path repo = prefix == null ? REPO : rootlessCopy();
    if (prefix != null) {
      cmd.addAll(prefix);
    }
    cmd.add(repo.resolve("nemoclaw").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile());
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

  /**
   * {@code approvals list -o json} (an array), polled every 100 ms until {@code until} holds for
   * it; fails after {@code seconds} with the last list.
   */
  static com.fasterxml.jackson.databind.JsonNode pendingApprovals(Map<String, String> env,
      java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> until, int seconds)
      throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    com.fasterxml.jackson.databind.JsonNode items;
    do {
      Result r = run(env, null, "approvals", "list", "-o", "json");
      if (r.exit() != 0) {
        throw new AssertionError("approvals list failed: " + r);
      }
      items = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
      if (until.test(items)) {
        return items;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < end);
    throw new AssertionError("pending approvals not as awaited in " + seconds + " s: " + items);
  }
}
