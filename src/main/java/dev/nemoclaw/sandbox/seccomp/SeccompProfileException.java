package dev.nemoclaw.sandbox.seccomp;

/** A seccomp profile could not be used; the message names the file and the entry. */
public final class SeccompProfileException extends Exception {
  public SeccompProfileException(String message) {
    super(message);
  }

  public SeccompProfileException(String message, Throwable cause) {
    super(message, cause);
  }
}
