package dev.nemoclaw.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code sha256:<64 hex>}. Only sha256 is accepted: it is what every OCI and
 * Docker tool writes, and a digest also names a file (blobs/sha256/HEX, the cache directory), so
 * its shape is checked strictly before it is ever used as a path.
 */
public record Digest(String hex) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Digest {
    if (!HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + hex);
    }
  }

  /** Parses {@code sha256:HEX}; {@code what} names where it came from for the error. */
  public static Digest parse(String s, String what) throws ImageException {
    if (s == null || !s.startsWith("sha256:") || !HEX.matcher(s.substring(7)).matches()) {
      throw new ImageException(what + ": '" + s + "' is not a sha256 digest (sha256:<64 lower-case"
          + " hex digits>); only sha256 is supported");
    }
    return new Digest(s.substring(7));
  }

  public static Digest of(byte[] content) {
    return new Digest(HexFormat.of().formatHex(sha256().digest(content)));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The first 12 hex digits, as {@code docker images} shows an ID. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return "sha256:" + hex;
  }
}
