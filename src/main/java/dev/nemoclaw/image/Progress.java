package dev.nemoclaw.image;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of reading large blobs, on stderr: a bar redrawn in place when stderr is a terminal, a
 * single summary line per blob otherwise (logs and CI get no carriage-return noise).
 */
public sealed interface Progress {
  /** Below this a blob is read without a bar: it is over before one would help. */
  long BAR_THRESHOLD = 8L << 20;

  /** A blob of {@code total} bytes (-1 unknown) starts; {@code what} names it. */
  void start(String what, long total);

  /** {@code done} bytes of the current blob have been read. */
  void advance(long done);

  /** The current blob is read: {@code done} bytes in all. */
  void end(long done);

  /** A remark that is not an error (a skipped fifo, say). */
  void note(String message);

  /** Nothing at all: tests, and callers that print their own. */
  static Progress silent() {
    return new Silent();
  }

  /** A bar on a terminal, summary lines otherwise; NO_COLOR does not matter (no colour used). */
  static Progress toStderr() {
    return isTerminal(2) ? new Bar(System.err) : new Lines(System.err);
  }

  private static boolean isTerminal(int fd) {
    try {
      return C.INSTANCE.isatty(fd) == 1;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return false;
    }
  }

  /** isatty(3): the JDK only answers for stdin and stdout together. */
  interface C extends Library {
    C INSTANCE = Native.load("c", C.class);

    int isatty(int fd);
  }

  record Silent() implements Progress {
    @Override
    public void start(String what, long total) {}

    @Override
    public void advance(long done) {}

    @Override
    public void end(long done) {}

    @Override
    public void note(String message) {}
  }

  /** One line per large blob when it is done. */
  final class Lines implements Progress {
    private final PrintStream out;
    private String what = "";
    private long start;

    Lines(PrintStream out) {
      this.out = out;
    }

    @Override
    public void start(String what, long total) {
      this.what = what;
      this.start = System.nanoTime();
    }

    @Override
    public void advance(long done) {}

    @Override
    public void end(long done) {
      if (done >= BAR_THRESHOLD) {
        out.printf(Locale.ROOT, "nemoclaw: %s: %s in %.1fs%n", what, mib(done),
            (System.nanoTime() - start) / 1e9);
      }
    }

    @Override
    public void note(String message) {
      out.println("nemoclaw: " + message);
    }
  }

  /** A bar redrawn at most ten times a second, erased when the blob is done. */
  final class Bar implements Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private String what = "";
    private long total;
    private long lastDraw;
    private boolean drawn;

    Bar(PrintStream out) {
      this.out = out;
    }

    @Override
    public void start(String what, long total) {
      this.what = what;
      this.total = total;
      this.drawn = false;
      this.lastDraw = 0;
    }

    @Override
    public void advance(long done) {
      long now = System.nanoTime();
      if ((total >= 0 && total < BAR_THRESHOLD) || now - lastDraw < 100_000_000L) {
        return;
      }
      lastDraw = now;
      drawn = true;
      if (total > 0) {
        int filled = (int) Math.min(WIDTH, done * WIDTH / total);
        out.printf(Locale.ROOT, "\r%s [%s%s] %s / %s", what, "#".repeat(filled),
            " ".repeat(WIDTH - filled), mib(done), mib(total));
      } else {
        out.printf(Locale.ROOT, "\r%s %s", what, mib(done));
      }
      out.flush();
    }

    @Override
    public void end(long done) {
      if (drawn) {
        out.print("\r\u001b[2K");
        out.printf(Locale.ROOT, "%s: %s%n", what, mib(done));
        out.flush();
      }
    }

    @Override
    public void note(String message) {
      if (drawn) {
        out.print("\r\u001b[2K");
      }
      out.println("nemoclaw: " + message);
    }
  }

  private static String mib(long b) {
    return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
  }
}
