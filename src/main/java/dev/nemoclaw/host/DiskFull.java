package dev.nemoclaw.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A write that failed because the file system under {@link #where} is full (ENOSPC) or the
 * user's quota on it is used up (EDQUOT). The message names the file or directory and says what
 * to do, so every command can print it as it is.
 */
public final class DiskFull extends IOException {
  private final Path where;

  private DiskFull(Path where, IOException cause) {
    super("cannot write " + where + ": the disk is full (" + reason(cause) + "); free space on"
        + " it and try again", cause);
    this.where = where;
  }

  /** The file or directory that could not be written. */
  public Path where() {
    return where;
  }

  /**
   * {@code e} as a {@link DiskFull} naming {@code where} when a full disk caused it, else
   * {@code e} itself. The JDK reports ENOSPC and EDQUOT only by their strerror text.
   */
  public static IOException check(IOException e, Path where) {
    return e instanceof DiskFull || !is(e) ? e : new DiskFull(where, e);
  }

  /** Whether a full disk or quota is behind {@code e} or one of its causes. */
  public static boolean is(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DiskFull || reason(t).contains("No space left on device")
          || reason(t).contains("Disk quota exceeded")) {
        return true;
      }
    }
    return false;
  }

  private static String reason(Throwable t) {
    if (t instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return t.getMessage() == null ? "" : t.getMessage();
  }
}
