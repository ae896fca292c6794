package dev.nemoclaw.sandbox.docker;

import java.io.IOException;
import java.io.InputStream;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The operator's terminal while a container with a tty runs: raw mode (restored on close), keys
 * to the container, and its window size followed (the engine resizes the container's pty).
 */
final class TerminalRelay implements AutoCloseable {
  /** Rows and columns, as the engine's resize takes them. */
  interface ResizeListener {
    void resized(int rows, int cols);
  }

  private final Terminal terminal;
  private final Attributes saved;
  private boolean closed;

  private TerminalRelay(Terminal terminal, Attributes saved) {
    this.terminal = terminal;
    this.saved = saved;
  }

  static TerminalRelay open() throws IOException {
    Terminal t = TerminalBuilder.builder().system(true).jansi(false).build();
    return new TerminalRelay(t, t.enterRawMode());
  }

  InputStream input() {
    return terminal.input();
  }

  /** Calls {@code l} with the size now and after every SIGWINCH. */
  void onResize(ResizeListener l) {
    Runnable tell = () -> {
      Size s = terminal.getSize();
      if (s.getRows() > 0 && s.getColumns() > 0) {
        try {
          l.resized(s.getRows(), s.getColumns());
        } catch (RuntimeException e) {
          // the container may have ended; the next resize is harmless too
        }
      }
    };
    terminal.handle(Terminal.Signal.WINCH, sig -> tell.run());
    tell.run();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      terminal.setAttributes(saved);
      terminal.close();
    } catch (IOException e) {
      // the terminal is gone with the operator
    }
  }
}
