package dev.nemoclaw.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects every error of one load so the user sees them all at once, not one per attempt. */
final class Problems {
  private final List<SpecError> errors = new ArrayList<>();

  void add(Path file, int line, int column, String field, String message) {
    errors.add(new SpecError(file, line, column, field, message));
  }

  void addAll(List<SpecError> more) {
    errors.addAll(more);
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  void throwIfAny() throws SpecException {
    if (!errors.isEmpty()) {
      throw new SpecException(List.copyOf(errors));
    }
  }
}
