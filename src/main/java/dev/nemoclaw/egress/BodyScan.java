package dev.nemoclaw.egress;

import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.PrivacyScope;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which request bodies privacy screening can read, and reading them. A body is text when its
 * Content-Type says so (text/*, JSON, XML, JavaScript, form data; none at all counts as text) and
 * no Content-Encoding compresses it; it is then decoded strictly as UTF-8. Anything else the proxy
 * cannot judge and passes on unscanned, with an event saying so: a scanner that guessed at gzip or
 * at binary formats would give false comfort, not protection.
 */
final class BodyScan {
  private BodyScan() {}

  /** Why a body with these headers cannot be scanned, or empty when it can. */
  static Optional<String> unreadable(HttpHeaders h) {
    String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
      return Optional.of("Content-Encoding " + encoding.trim() + " (compressed bodies are not"
          + " scanned)");
    }
    String type = h.get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || type.isBlank()) {
      return Optional.empty();
    }
    String media = mediaType(type);
    if (!textual(media)) {
      return Optional.of("Content-Type " + media + " (only text is scanned)");
    }
    Optional<String> charset = charset(type);
    if (charset.isPresent() && !List.of("utf-8", "utf8", "us-ascii").contains(charset.get())) {
      return Optional.of("charset " + charset.get() + " (only UTF-8 is scanned)");
    }
    return Optional.empty();
  }

  /** Whether the body is JSON, so that only its string values are scanned (and masked). */
  static boolean json(HttpHeaders h) {
    String type = h.get(HttpHeaderNames.CONTENT_TYPE);
    return type != null && mediaType(type).endsWith("json");
  }

  /** The guard's verdict on the body, or empty when it is not valid UTF-8. */
  static Optional<Verdict> check(PrivacyGuard guard, byte[] body, boolean json) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
    return Optional.of(json ? guard.checkJson(PrivacyScope.EGRESS, text)
        : guard.check(PrivacyScope.EGRESS, text));
  }

  /** Findings per detector, by name: what events and refusals may say (never the values). */
  static Map<String, Integer> counts(List<Finding> findings) {
    Map<String, Integer> m = new TreeMap<>();
    for (Finding f : findings) {
      m.merge(f.detector(), 1, Integer::sum);
    }
    return m;
  }

  private static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim()
        .toLowerCase(Locale.ROOT);
  }

  private static boolean textual(String media) {
    int slash = media.indexOf('/');
    String type = slash >= 0 ? media.substring(0, slash) : media;
    String sub = slash >= 0 ? media.substring(slash + 1) : "";
    return type.equals("text") || sub.endsWith("json") || sub.endsWith("xml")
        || sub.contains("javascript") || sub.equals("x-www-form-urlencoded")
        || media.equals("multipart/form-data");
  }

  private static Optional<String> charset(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.regionMatches(true, 0, "charset=", 0, 8)) {
        String v = p.substring(8).trim();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        return Optional.of(v.toLowerCase(Locale.ROOT));
      }
    }
    return Optional.empty();
  }
}
