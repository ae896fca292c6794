package dev.nemoclaw.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;

/** {@code nemoclaw term} on the real terminal: the screen, its input and a clean exit. */
public final class Term {
  private Term() {}

  /** Whether stdin and stdout are a terminal, as the TUI needs. */
  public static boolean interactive() {
    java.io.Console c = System.console();
    return c != null && c.isTerminal();
  }

  /**
   * Runs the TUI over {@code feed} until the operator quits (q, Ctrl-C) or the process is asked to
   * stop (SIGTERM, SIGINT, SIGHUP); the terminal is restored in every case. Returns the exit code.
   */
  public static int run(TermFeed feed) throws IOException, InterruptedException {
    // Ctrl-C arrives as a key (TRAP), so q and Ctrl-C leave through the same door
    Terminal terminal = new DefaultTerminalFactory(System.out, System.in, StandardCharsets.UTF_8)
        .setForceTextTerminal(true)
        .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP)
        .createTerminal();
    try (var decider = Executors.newVirtualThreadPerTaskExecutor()) {
      TerminalScreen screen = new TerminalScreen(terminal);
      TermUi ui = new TermUi(screen, feed, new TermModel(Clock.systemDefaultZone()),
          Clock.systemDefaultZone(), Theme.of(!Theme.noColor(System.getenv())), decider);
      Thread input = Thread.ofPlatform().daemon().name("term-input").start(() -> {
        try {
          while (true) {
            KeyStroke k = terminal.readInput();
            ui.key(k);
            if (k.getKeyType() == KeyType.EOF) {
              return;
            }
          }
        } catch (IOException | RuntimeException e) {
          ui.quit();
        }
      });
      // SIGTERM: leave the alternate screen and give the shell its tty back before the JVM goes
      Thread hook = new Thread(() -> {
        ui.quit();
        try {
          ui.awaitStopped(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "term-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        ui.run();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down: the hook is what called quit
        }
        terminal.close();
        input.interrupt();
      }
    }
    return 0;
  }
}
