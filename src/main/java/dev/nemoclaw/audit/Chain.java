package dev.nemoclaw.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * The record line format (docs/audit.md):
 *
 * <pre>{"seq":N,"prev":"&lt;64 hex&gt;","event":{…}<b>,"hmac":"&lt;64 hex&gt;"}</b>\n</pre>
 *
 * The <em>body</em> is everything before {@code ,"hmac":"}. A record's hash is sha256(body); the
 * next record's {@code prev} is that hash (all zeros for the first record), and {@code hmac} is
 * HMAC-SHA256(host key, hash). Fixed positions for seq, prev and hmac let the verifier check a
 * record without parsing its JSON: the HMAC vouches that the writer, which wrote valid JSON, made it.
 */
final class Chain {
  static final byte[] SEQ = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
  static final byte[] PREV = ",\"prev\":\"".getBytes(StandardCharsets.US_ASCII);
  static final byte[] EVENT = "\",\"event\":".getBytes(StandardCharsets.US_ASCII);
  static final byte[] HMAC = ",\"hmac\":\"".getBytes(StandardCharsets.US_ASCII);
  static final int HEX = 64;
  /** {@code ,"hmac":"} + 64 hex + {@code "}}. */
  static final int TAIL = HMAC.length + HEX + 2;
  static final byte[] ZERO_HASH = new byte[32];
  private static final byte[] HEXDIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private Chain() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  static void hex(byte[] bytes, byte[] out, int at) {
    for (int i = 0; i < bytes.length; i++) {
      out[at + 2 * i] = HEXDIGITS[(bytes[i] >> 4) & 0xf];
      out[at + 2 * i + 1] = HEXDIGITS[bytes[i] & 0xf];
    }
  }

  static String hex(byte[] bytes) {
    byte[] out = new byte[bytes.length * 2];
    hex(bytes, out, 0);
    return new String(out, StandardCharsets.US_ASCII);
  }

  /** What a parsed line says about itself; {@code error} is set when it is not a record at all. */
  static final class Parsed {
    long seq;
    int prevAt;
    int bodyEnd;
    int hmacAt;
    String error;
  }

  /** Checks the fixed frame of {@code buf[from, to)} (one line without its newline). */
  static boolean parse(byte[] buf, int from, int to, Parsed p) {
    p.error = null;
    int len = to - from;
    if (len < SEQ.length + 1 + PREV.length + HEX + EVENT.length + 2 + TAIL
        || !startsWith(buf, from, SEQ)) {
      p.error = "not an audit record (no {\"seq\": … frame)";
      return false;
    }
    int i = from + SEQ.length;
    long seq = 0;
    int digits = 0;
    while (i < to && buf[i] >= '0' && buf[i] <= '9' && digits < 19) {
      seq = seq * 10 + (buf[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0 || !startsWith(buf, i, PREV) || to - i < PREV.length + HEX + EVENT.length) {
      p.error = "not an audit record (bad seq or prev field)";
      return false;
    }
    p.seq = seq;
    p.prevAt = i + PREV.length;
    if (!startsWith(buf, p.prevAt + HEX, EVENT)) {
      p.error = "not an audit record (bad prev field)";
      return false;
    }
    p.bodyEnd = to - TAIL;
    if (!startsWith(buf, p.bodyEnd, HMAC) || buf[to - 2] != '"' || buf[to - 1] != '}') {
      p.error = "not an audit record (no hmac at the end)";
      return false;
    }
    p.hmacAt = p.bodyEnd + HMAC.length;
    return true;
  }

  static boolean startsWith(byte[] buf, int at, byte[] prefix) {
    return at >= 0 && at + prefix.length <= buf.length
        && Arrays.equals(buf, at, at + prefix.length, prefix, 0, prefix.length);
  }

  /** True when the 64 hex digits at {@code buf[at]} spell {@code hash}. */
  static boolean hexEquals(byte[] buf, int at, byte[] hash) {
    for (int i = 0; i < hash.length; i++) {
      if (buf[at + 2 * i] != HEXDIGITS[(hash[i] >> 4) & 0xf]
          || buf[at + 2 * i + 1] != HEXDIGITS[hash[i] & 0xf]) {
        return false;
      }
    }
    return true;
  }

  /** sha256 of the body into {@code hashOut}, HMAC of that hash into {@code macOut}. */
  static void seal(MessageDigest sha, Mac mac, byte[] buf, int from, int bodyEnd, byte[] hashOut,
      byte[] macOut) {
    sha.update(buf, from, bodyEnd - from);
    try {
      sha.digest(hashOut, 0, 32);
      mac.update(hashOut);
      mac.doFinal(macOut, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] headMac(Mac mac, long seq, String hash, String file, long offset) {
    byte[] msg = ("nemoclaw-audit-head\n" + seq + "\n" + hash + "\n" + file + "\n" + offset)
        .getBytes(StandardCharsets.US_ASCII);
    return mac.doFinal(msg);
  }

}
