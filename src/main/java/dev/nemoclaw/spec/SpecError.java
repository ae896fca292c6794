package dev.nemoclaw.spec;

import java.nio.file.Path;

/**
 * One problem in a spec or preset file. {@code line} and {@code column} are 1-based; both are 0
 * when the problem concerns the whole file (it is missing or unreadable). {@code field} is a path
 * such as {@code network.allow[0].ports[1]}, empty when no field is involved.
 */
public record SpecError(Path file, int line, int column, String field, String message)
    implements Comparable<SpecError> {

  /** {@code FILE:LINE:COLUMN: FIELD: MESSAGE}, the shape compilers use so editors can jump to it. */
  public String render() {
    StringBuilder sb = new StringBuilder(file.toString());
    if (line > 0) {
      sb.append(':').append(line).append(':').append(column);
    }
    sb.append(": ");
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }

  @Override
  public int compareTo(SpecError o) {
    int c = file.compareTo(o.file);
    if (c == 0) {
      c = Integer.compare(line, o.line);
    }
    return c != 0 ? c : Integer.compare(column, o.column);
  }

  @Override
  public String toString() {
    return render();
  }
}
