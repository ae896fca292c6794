package dev.nemoclaw.policy.openshell;

/** Why a file is not a usable OpenShell policy, at a line, column and YAML path. */
public record Problem(String file, int line, int column, String path, String message) {
  /** {@code FILE:LINE:COLUMN: PATH: MESSAGE}, as {@code policy validate} prints spec errors. */
  public String render() {
    return file + ":" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}
