package dev.nemoclaw.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host key that signs every audit record (HMAC-SHA256): 32 random bytes, hex, in
 * {@code CONFIG/audit.key}, mode 0600. It lives in the config dir, which no sandbox mounts, so an
 * agent that somehow reached a log still could not forge a record that verifies.
 */
public final class HostKey {
  public static final String FILE = "audit.key";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final SecretKeySpec key;
  private final String id;
  private final Path file;

  private HostKey(byte[] raw, Path file) {
    this.key = new SecretKeySpec(raw, "HmacSHA256");
    this.file = file;
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(raw);
      this.id = HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** For tests and benchmarks: a key that is never stored. */
  public static HostKey of(byte[] raw) {
    if (raw.length < 32) {
      throw new IllegalArgumentException("an audit key needs 32 bytes, got " + raw.length);
    }
    return new HostKey(raw.clone(), Path.of("(in memory)"));
  }

  /** The key in {@code configDir}, created on first use. */
  public static HostKey loadOrCreate(Path configDir) throws IOException {
    Path f = configDir.resolve(FILE);
    if (!Files.exists(f)) {
      create(f);
    }
    return load(configDir);
  }

  /** The existing key; verifying without it is impossible, so its absence is an error. */
  public static HostKey load(Path configDir) throws IOException {
    Path f = configDir.resolve(FILE);
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(f);
    } catch (NoSuchFileException e) {
      throw new IOException("no audit host key at " + f + ": it is created by the first run;"
          + " without it no log can be verified (restore it from a backup)", e);
    }
    if (!OWNER_ONLY.containsAll(perms)) {
      throw new IOException("audit host key " + f + " is readable by others ("
          + PosixFilePermissions.toString(perms) + "); fix: chmod 600 " + f);
    }
    String hex = Files.readString(f, StandardCharsets.US_ASCII).strip();
    byte[] raw;
    try {
      raw = HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IOException("audit host key " + f + " is not 64 hex digits", e);
    }
    if (raw.length != 32) {
      throw new IOException("audit host key " + f + " is " + raw.length + " bytes, not 32");
    }
    return new HostKey(raw, f);
  }

  /**
   * Written to a private temp file and hard-linked into place: a link never replaces, so two runs
   * starting at once agree on one key instead of the second silently overwriting the first.
   */
  private static void create(Path f) throws IOException {
    try {
      createLinked(f);
    } catch (IOException e) {
      throw dev.nemoclaw.host.DiskFull.check(e, f);
    }
  }

  private static void createLinked(Path f) throws IOException {
    Files.createDirectories(f.getParent());
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    Path tmp = Files.createTempFile(f.getParent(), "." + FILE + ".", ".tmp",
        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.writeString(tmp, HexFormat.of().formatHex(raw) + "\n", StandardCharsets.US_ASCII);
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.createLink(f, tmp);
        // logs signed with this key must not outlive its name after a crash
        dev.nemoclaw.host.AtomicFile.syncDirectory(f.getParent());
      } catch (FileAlreadyExistsException raced) {
        // another process created it first: theirs is the key
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A short public fingerprint (first 8 bytes of the key's sha256), recorded in head files. */
  public String id() {
    return id;
  }

  public Path file() {
    return file;
  }

  /** A fresh MAC: {@link Mac} is not thread-safe, so each writer and reader keeps its own. */
  Mac mac() {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no HmacSHA256", e);
    }
  }
}
