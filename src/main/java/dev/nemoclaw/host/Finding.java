package dev.nemoclaw.host;

import java.util.Objects;
import java.util.Optional;

/**
 * One doctor check's result: what was found ({@code detail}, one line) and, unless the check is
 * {@link Status#OK}, one line saying exactly what to do about it.
 */
public record Finding(String id, Status status, String detail, Optional<String> fix) {

  public Finding {
    Objects.requireNonNull(id);
    Objects.requireNonNull(status);
    Objects.requireNonNull(detail);
    Objects.requireNonNull(fix);
    if (status != Status.OK && fix.isEmpty()) {
      // every non-ok line must tell the user what to do; a bare complaint is not allowed
      throw new IllegalArgumentException("finding " + id + " is " + status.label() + " without a fix");
    }
  }

  public static Finding ok(String id, String detail) {
    return new Finding(id, Status.OK, detail, Optional.empty());
  }

  public static Finding of(String id, Status status, String detail, String fix) {
    return new Finding(id, status, detail, status == Status.OK ? Optional.empty() : Optional.of(fix));
  }
}
