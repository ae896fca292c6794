package dev.nemoclaw.image;

/**
 * An image could not be read, unpacked or found. The message names the file, blob or entry (and
 * the layer) and says what to do; nothing half-made is left in the cache when it is thrown.
 */
public final class ImageException extends Exception {
  private static final long serialVersionUID = 1L;

  public ImageException(String message) {
    super(message);
  }

  public ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
