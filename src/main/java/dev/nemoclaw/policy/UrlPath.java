package dev.nemoclaw.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Request paths as the policy compares them, and the {@code paths} globs of a rule.
 *
 * <p>A path rule must mean the same thing to the policy as to the server behind it. Servers
 * disagree about dot-segments ({@code /a/../b}, {@code %2e%2e}, Tomcat's {@code ..;}), encoded
 * slashes and backslashes, so a path holding any of them is <em>refused</em> rather than guessed
 * at: no allow rule with paths matches it, and a deny rule with paths treats it as matching.
 * What every server agrees on is folded first: the query and fragment are dropped, percent-encoded
 * unreserved characters are decoded ({@code %61} is {@code a}), other escapes get upper-case hex,
 * and repeated slashes collapse. Some servers (Tomcat, Jetty) also drop {@code ;params} from each
 * segment, others do not, so a rule is compared with both readings ({@link #withoutParams}): an
 * allow rule must cover both, a deny rule either.
 */
final class UrlPath {
  private UrlPath() {}

  /** The canonical form of {@code raw}, or empty when it is refused. */
  static Optional<String> canonical(String raw) {
    int end = raw.length();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    if (end == 0 || raw.charAt(0) != '/') {
      return Optional.empty();
    }
    StringBuilder decoded = new StringBuilder(end);
    for (int i = 0; i < end; i++) {
      char c = raw.charAt(i);
      if (c == '\\' || c <= ' ' || c == 0x7f) {
        return Optional.empty();
      }
      if (c != '%') {
        decoded.append(c);
        continue;
      }
      int hi = i + 2 < end ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        return Optional.empty();
      }
      int v = hi * 16 + lo;
      if (v == '/' || v == '\\' || v < 0x20 || v == 0x7f) {
        return Optional.empty();
      }
      if (unreserved(v)) {
        decoded.append((char) v);
      } else {
        decoded.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
            .append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    return collapse(decoded, true);
  }

  /** {@code canonical} with each segment's {@code ;params} removed; itself when it has none. */
  static String withoutParams(String canonical) {
    if (canonical.indexOf(';') < 0) {
      return canonical;
    }
    StringBuilder out = new StringBuilder(canonical.length());
    boolean skipping = false;
    for (int i = 0; i < canonical.length(); i++) {
      char c = canonical.charAt(i);
      if (c == '/') {
        skipping = false;
      } else if (c == ';') {
        skipping = true;
      }
      if (!skipping) {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean unreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  /** Joins the non-empty segments; refuses dot-segments (also {@code ..;x}) when asked to. */
  private static Optional<String> collapse(CharSequence s, boolean refuseDots) {
    List<String> segments = new ArrayList<>();
    int start = 1;
    for (int i = 1; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == '/') {
        if (i > start) {
          String seg = s.subSequence(start, i).toString();
          int semi = seg.indexOf(';');
          String name = semi < 0 ? seg : seg.substring(0, semi);
          if (refuseDots && (name.equals(".") || name.equals(".."))) {
            return Optional.empty();
          }
          segments.add(seg);
        }
        start = i + 1;
      }
    }
    boolean trailing = s.length() > 1 && s.charAt(s.length() - 1) == '/' && !segments.isEmpty();
    return Optional.of("/" + String.join("/", segments) + (trailing ? "/" : ""));
  }

  /**
   * A {@code paths} glob: {@code *} matches within one segment, {@code **} across segments, and
   * {@code /**} also matches nothing at all ({@code /repos/**} covers {@code /repos}).
   */
  static Pattern glob(String glob) {
    String g = collapse(glob, false).orElse(glob);
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    int n = g.length();
    for (int i = 0; i < n; i++) {
      char c = g.charAt(i);
      boolean doubleStar = c == '*' && i + 1 < n && g.charAt(i + 1) == '*';
      boolean slashDoubleStar = c == '/' && i + 2 < n && g.charAt(i + 1) == '*'
          && g.charAt(i + 2) == '*' && (i + 3 == n || g.charAt(i + 3) == '/');
      if (c != '*' && !slashDoubleStar) {
        literal.append(c);
        continue;
      }
      if (!literal.isEmpty()) {
        re.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
      }
      if (slashDoubleStar) {
        re.append("(?:/.*)?");
        i += 2;
      } else if (doubleStar) {
        re.append(".*");
        i++;
        while (i + 1 < n && g.charAt(i + 1) == '*') {
          i++;
        }
      } else {
        re.append("[^/]*");
      }
    }
    if (!literal.isEmpty()) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
