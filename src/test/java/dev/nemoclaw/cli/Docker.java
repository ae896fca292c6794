package dev.nemoclaw.cli;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Whether a Docker engine answers here (scripts/test starts one), for the docker-backend ITs. */
final class Docker {
  private static Boolean available;
  private static String why = "";

  private Docker() {}

  static synchronized boolean available() {
    if (available == null) {
      try {
        Process p = new ProcessBuilder("docker", "info", "--format", "{{.ServerVersion}}")
            .redirectErrorStream(true).start();
        boolean done = p.waitFor(20, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes()).strip();
        available = done && p.exitValue() == 0;
        why = "no Docker engine answers (docker info: " + out + "); scripts/test starts one";
      } catch (IOException | InterruptedException e) {
        available = false;
        why = "no docker client: " + e.getMessage();
      }
    }
    return available;
  }

  static String why() {
    return why;
  }

  /** Runs {@code docker ARGS...} and returns its output (stdout and stderr). */
  static String run(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "docker";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }
}
