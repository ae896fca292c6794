package dev.nemoclaw.privacy;

/**
 * One match of a detector in a text: {@code [start, end)} in UTF-16 chars of the text that was
 * scanned. It never carries the matched value, so findings can be logged and reported safely.
 */
public record Finding(String detector, int start, int end) {
  public Finding {
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
    }
  }
}
