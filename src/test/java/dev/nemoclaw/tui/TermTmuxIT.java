package dev.nemoclaw.tui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real TUI on a real terminal: {@link FakeTermMain} in a detached 80×24 tmux session (on a
 * tmux server of its own), read with {@code capture-pane}, driven with {@code send-keys}. After
 * the TUI leaves, the pane's shell prints the exit code and whether the tty is back in canonical
 * mode, so a terminal left raw fails the test.
 */
@Tag("e2e")
class TermTmuxIT {
  static final Path REPO = Path.of(System.getProperty("nemoclaw.repo", ".")).toAbsolutePath();
  static final String SESSION = "term";

  @TempDir Path dir;
  String socket;
  Path decisions;
  Path pidFile;

  @BeforeEach
  void startTui() throws Exception {
    Assumptions.assumeTrue(new File("/usr/bin/tmux").canExecute()
        || tmuxOnPath(), "tmux is not installed");
    socket = "nemoclaw-term-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    decisions = dir.resolve("decisions");
    pidFile = dir.resolve("pid");
    String cp = String.join(File.pathSeparator, REPO.resolve("target/classes").toString(),
        REPO.resolve("target/test-classes").toString(), REPO.resolve("target/lib/*").toString());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script = "'" + java + "' -cp '" + cp + "' dev.nemoclaw.tui.FakeTermMain '" + decisions
        + "' '" + pidFile + "'; echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon';"
        + " echo tty-checked; sleep 600";
    tmux("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24", "-e", "LANG=C.UTF-8",
        "-e", "NO_COLOR=", "sh", "-c", script);
    awaitScreen(s -> s.contains("api.example.com:443"), "the pending approval");
  }

  @AfterEach
  void killTmux() throws Exception {
    if (socket != null) {
      tmux("kill-server");
    }
  }

  @Test
  void pressingODecidesOnceAndQRestoresTheTerminal() throws Exception {
    String before = capture();
    assertTrue(before.contains("NEW"), before);
    assertTrue(before.contains(" o once"), before);
    assertTrue(before.contains("pastebin.com:80"), before);
    assertEquals(24, before.split("\n", -1).length - 1, "24 rows:\n" + before);

    tmux("send-keys", "-t", SESSION, "o");
    awaitFile("hello/a1/once");
    String after = awaitScreen(s -> s.contains("→ once (by operator via tui)"), "the outcome");
    assertTrue(after.contains("Nothing waiting for you"), after);
    assertFalse(after.equals(before));

    tmux("send-keys", "-t", SESSION, "q");
    String end = awaitScreen(
        s -> s.contains("exit=0") && s.contains("tty-checked"), "the TUI's exit");
    assertTrue(end.lines().anyMatch(l -> l.equals("icanon")), "the tty is cooked again:\n" + end);
    assertFalse(end.contains("Approvals ("), "the alternate screen is gone:\n" + end);
  }

  @Test
  void ctrlCQuitsCleanly() throws Exception {
    tmux("send-keys", "-t", SESSION, "C-c");
    String end = awaitScreen(
        s -> s.contains("exit=0") && s.contains("tty-checked"), "the TUI's exit");
    assertTrue(end.lines().anyMatch(l -> l.equals("icanon")), end);
    assertFalse(Files.exists(decisions), "Ctrl-C decides nothing");
  }

  @Test
  void sigtermRestoresTheTerminal() throws Exception {
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    ProcessHandle.of(pid).orElseThrow().destroy(); // SIGTERM
    String end = awaitScreen(
        s -> s.contains("exit=143") && s.contains("tty-checked"), "the TUI's exit");
    assertTrue(end.lines().anyMatch(l -> l.equals("icanon")), "the tty is cooked again:\n" + end);
    assertFalse(end.contains("Approvals ("), "the alternate screen is gone:\n" + end);
  }

  // ---------------------------------------------------------------- tmux

  private static boolean tmuxOnPath() {
    try {
      return new ProcessBuilder("tmux", "-V").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private String tmux(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-u", "-L", socket));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().remove("TMUX");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("tmux " + String.join(" ", args) + " hung");
    }
    return out;
  }

  private String capture() throws IOException, InterruptedException {
    return tmux("capture-pane", "-p", "-t", SESSION);
  }

  private String awaitScreen(Predicate<String> ok, String what) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String s = capture();
    while (!ok.test(s)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("the pane never showed " + what + ":\n" + s);
      }
      Thread.sleep(100);
      s = capture();
    }
    return s;
  }

  private void awaitFile(String line) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(Files.exists(decisions) && Files.readString(decisions).lines()
        .anyMatch(line::equals))) {
      if (System.nanoTime() > end) {
        throw new AssertionError("no decision " + line + " in " + decisions + ": "
            + (Files.exists(decisions) ? Files.readString(decisions) : "(no file)"));
      }
      Thread.sleep(50);
    }
  }
}
