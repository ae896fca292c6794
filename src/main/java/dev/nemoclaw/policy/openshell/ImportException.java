package dev.nemoclaw.policy.openshell;

import java.util.List;

/** The file is not an OpenShell policy, or not a valid one: every problem found, in file order. */
public final class ImportException extends Exception {
  private final transient List<Problem> problems;

  public ImportException(List<Problem> problems) {
    super(problems.isEmpty() ? "invalid OpenShell policy" : problems.get(0).render());
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
