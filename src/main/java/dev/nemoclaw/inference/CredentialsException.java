package dev.nemoclaw.inference;

/** A credentials source that exists but must not be used; the message says why and the fix. */
public final class CredentialsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CredentialsException(String message) {
    super(message);
  }
}
