package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.escapedBefore;
import static dev.nemoclaw.privacy.Chars.letter;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;

/**
 * E-mail addresses, the practical subset of RFC 5322 that real addresses use: a dot-atom local
 * part of {@code [A-Za-z0-9._%+-]} (no leading, trailing or double dot, at most 64 chars), then a
 * host name of at least two labels ({@code [A-Za-z0-9-]}, no leading or trailing dash, at most 63
 * chars each, 253 in all) whose last label, the TLD, is 2 or more letters. Quoted local parts,
 * address literals and non-ASCII addresses are not matched.
 *
 * <p>The scan jumps from {@code @} to {@code @} ({@link String#indexOf} is vectorised) and looks
 * at most 64 chars back and 253 forward from each, so it is linear even in {@code a@a@a@…}.
 */
final class Emails implements TextDetector {
  static final Emails INSTANCE = new Emails();
  private static final String NAME = BuiltinDetector.EMAIL.yaml();
  private static final int MAX_LOCAL = 64;
  private static final int MAX_DOMAIN = 253;
  private static final int MAX_LABEL = 63;

  private Emails() {}

  @Override
  public void find(Text text, List<Finding> out) {
    String s = text.s;
    int from = 0;
    int at;
    while ((at = s.indexOf('@', from)) >= 0) {
      int start = localStart(s, at);
      int end = start < 0 ? -1 : domainEnd(s, at + 1);
      if (end > 0 && !scpPath(s, end)) {
        out.add(new Finding(NAME, start, end));
        from = end;
      } else {
        from = at + 1;
      }
    }
  }

  /** {@code git@github.com:org/repo.git} is an SSH remote (user@host:path), not an address. */
  private static boolean scpPath(String s, int end) {
    return at(s, end) == ':' && at(s, end + 1) > ' ';
  }

  private static boolean localChar(char c) {
    return letter(c) || digit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }

  /** Whether a char of a local part comes before {@code k}; an escape's letter is not one. */
  private static boolean localBefore(String s, int k) {
    return localChar(at(s, k - 1)) && !escapedBefore(s, k);
  }

  /** Where the local part before {@code s[at]} starts, or -1. */
  private static int localStart(String s, int at) {
    int floor = Math.max(0, at - MAX_LOCAL);
    int start = at;
    while (start > floor && localBefore(s, start)) {
      start--;
    }
    if (localBefore(s, start)) {
      return -1; // longer than 64 chars: not an address
    }
    // "see..bob@x.org" or ".bob@x.org": the address is what follows the dots
    for (int k = at - 1; k > start; k--) {
      if (s.charAt(k) == '.' && s.charAt(k - 1) == '.') {
        start = k + 1;
        break;
      }
    }
    while (start < at && s.charAt(start) == '.') {
      start++;
    }
    return start == at || s.charAt(at - 1) == '.' ? -1 : start;
  }

  private static boolean labelChar(char c) {
    return letter(c) || digit(c) || c == '-';
  }

  /**
   * The end of the host name starting at {@code from}: after the last label that is a TLD, as
   * long as every label before it is well formed; -1 if there is none.
   */
  private static int domainEnd(String s, int from) {
    int limit = Math.min(s.length(), from + MAX_DOMAIN);
    int end = -1;
    int k = from;
    for (int label = 0; ; label++) {
      int start = k;
      boolean letters = true;
      while (k < limit && labelChar(s.charAt(k))) {
        letters &= letter(s.charAt(k));
        k++;
      }
      int len = k - start;
      if (len == 0 || len > MAX_LABEL || s.charAt(start) == '-' || s.charAt(k - 1) == '-'
          || k == limit && labelChar(at(s, k))) {
        return end;
      }
      if (label > 0 && letters && len >= 2) {
        end = k;
      }
      if (at(s, k) != '.' || k + 1 >= limit || !labelChar(s.charAt(k + 1))) {
        return end;
      }
      k++;
    }
  }
}
