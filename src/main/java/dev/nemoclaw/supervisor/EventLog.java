package dev.nemoclaw.supervisor;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One JSON line per event in a file of the run's state directory: the run's working record (the
 * tamper-evident one is the audit log, {@link AuditTrail}). Losing the file never stops
 * enforcement: the run goes on and says so once.
 */
final class EventLog implements AutoCloseable {
  private final Optional<BufferedWriter> out;

  private EventLog(Optional<BufferedWriter> out) {
    this.out = out;
  }

  /** Starts {@code file} afresh; {@code what} names it in the warning when it cannot be written. */
  static EventLog open(Path file, String what, PrintStream messages) {
    try {
      Files.createDirectories(file.getParent());
      return new EventLog(Optional.of(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)));
    } catch (IOException e) {
      messages.println("nemoclaw: cannot write the " + what + " log " + file + ": "
          + e.getMessage() + "; everything is still enforced and reported");
      return new EventLog(Optional.empty());
    }
  }

  void append(String line) {
    out.ifPresent(w -> {
      synchronized (w) {
        try {
          w.write(line);
          w.newLine();
          w.flush();
        } catch (IOException ignored) {
          // a full disk must not stop enforcement; the report still has the totals
        }
      }
    });
  }

  @Override
  public void close() {
    out.ifPresent(w -> {
      synchronized (w) {
        try {
          w.close();
        } catch (IOException ignored) {
          // nothing left to save
        }
      }
    });
  }
}
