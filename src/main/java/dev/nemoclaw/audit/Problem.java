package dev.nemoclaw.audit;

import java.nio.file.Path;

/**
 * The first thing wrong with a log: where (file and 1-based line; the head file for head
 * problems), which record seq was expected there, and what kind of tampering it looks like.
 */
public record Problem(Kind kind, Path file, long line, long seq, String reason) {
  public enum Kind {
    /** A record whose HMAC does not match, or a line that is not a record: edited or forged. */
    MODIFIED,
    /** Records missing from the middle or the start of the chain (seq jumps forward). */
    MISSING,
    /** A record that comes again or too early (seq goes back): moved, duplicated or replayed. */
    OUT_OF_ORDER,
    /** A validly signed record whose prev is not its predecessor: spliced from another chain. */
    FOREIGN,
    /** The chain stops before the signed head: its tail was cut off or a newest file deleted. */
    TRUNCATED,
    /** head.json is missing, forged, or disagrees with the record it names. */
    BAD_HEAD
  }

  /** One line for humans: {@code FILE:LINE: reason}. */
  public String render() {
    return file + (line > 0 ? ":" + line : "") + ": " + reason;
  }
}
