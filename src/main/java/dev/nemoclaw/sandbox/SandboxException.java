package dev.nemoclaw.sandbox;

/** The sandbox could not be started; {@code step} names what nemoclaw was doing (exit 125). */
public final class SandboxException extends Exception {
  private final String step;

  public SandboxException(String step, String message) {
    super(step + ": " + message);
    this.step = step;
  }

  public SandboxException(String step, String message, Throwable cause) {
    super(step + ": " + message, cause);
    this.step = step;
  }

  public String step() {
    return step;
  }
}
