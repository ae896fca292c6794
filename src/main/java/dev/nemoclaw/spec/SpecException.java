package dev.nemoclaw.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A spec or preset file that cannot be used, with every problem found in it, in file order. */
public final class SpecException extends Exception {
  private final List<SpecError> errors;

  public SpecException(List<SpecError> errors) {
    super(errors.stream().map(SpecError::render).collect(Collectors.joining("\n")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a SpecException needs at least one error");
    }
    this.errors = errors.stream().sorted().toList();
  }

  public List<SpecError> errors() {
    return errors;
  }
}
