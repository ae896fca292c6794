package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.host.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;

/**
 * The signed head of a log: the last record known to be on disk (its seq, hash, file and the byte
 * offset just past it). Rewritten atomically after every group commit, after the log's fsync, so it
 * never claims more than the disk holds. The verifier needs it to see a cut-off tail: a chain that
 * was simply truncated is still a valid chain.
 */
public record Head(long seq, String hash, String file, long line, long offset, Instant time,
    String keyId) {
  public static final String FILE = "head.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  void write(Path dir, Mac mac) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", 1);
    o.put("seq", seq);
    o.put("hash", hash);
    o.put("file", file);
    o.put("line", line);
    o.put("offset", offset);
    o.put("time", time.toString());
    o.put("key", keyId);
    o.put("hmac", Chain.hex(Chain.headMac(mac, seq, hash, file, offset)));
    AtomicFile.write(dir.resolve(FILE), JSON.writeValueAsBytes(o),
        PosixFilePermissions.fromString("rw-------"));
  }

  /** Thrown when the head file exists but is not one this key signed. */
  static final class BadHead extends IOException {
    BadHead(String message) {
      super(message);
    }
  }

  /** The head of {@code dir}, empty when there is none yet; a forged or damaged one is an error. */
  static Optional<Head> read(Path dir, Mac mac, String keyId) throws IOException {
    Path f = dir.resolve(FILE);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    JsonNode o;
    try {
      o = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new BadHead(f + " is not JSON: " + e.getMessage());
    }
    if (o == null || !o.path("seq").canConvertToLong() || !o.path("hash").isTextual()
        || !o.path("file").isTextual() || !o.path("offset").canConvertToLong()
        || !o.path("hmac").isTextual()) {
      throw new BadHead(f + " lacks seq, hash, file, offset or hmac");
    }
    String key = o.path("key").asText("");
    if (!key.equals(keyId)) {
      throw new BadHead(f + " was signed with host key " + key + ", not this host's " + keyId
          + ": the log was written on another host, or the key was replaced");
    }
    Head h = new Head(o.get("seq").asLong(), o.get("hash").asText(), o.get("file").asText(),
        o.path("line").asLong(), o.get("offset").asLong(), parseTime(o.path("time").asText()), key);
    byte[] expect = Chain.headMac(mac, h.seq, h.hash, h.file, h.offset);
    byte[] got;
    try {
      got = HexFormat.of().parseHex(o.get("hmac").asText());
    } catch (IllegalArgumentException e) {
      throw new BadHead(f + ": hmac is not hex");
    }
    if (!MessageDigest.isEqual(expect, got)) {
      throw new BadHead(f + " has a wrong HMAC: it was edited or forged");
    }
    return Optional.of(h);
  }

  private static Instant parseTime(String s) {
    try {
      return Instant.parse(s);
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }
}
