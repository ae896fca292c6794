package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.continuesNumber;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.numberContinues;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;

/**
 * Payment card numbers: 13–19 digits, written solid or in groups joined by single spaces or
 * dashes (one kind per number, the first group of 4 digits, as cards print them), with the Luhn
 * check digit right and the prefix of a real issuer for that length. Random 16-digit ids pass
 * Luhn one time in ten; the issuer table and the grouping rules are what keep order numbers,
 * timestamps and phone numbers out.
 */
final class CreditCards implements TextDetector {
  static final CreditCards INSTANCE = new CreditCards();
  private static final String NAME = BuiltinDetector.CREDIT_CARD.yaml();
  private static final int MIN = 13;
  private static final int MAX = 19;
  private static final int[] MAESTRO = {5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763};

  private CreditCards() {}

  @Override
  public void find(Text text, List<Finding> out) {
    String s = text.s;
    int[] card = new int[MAX];
    int done = 0;
    for (int i : text.numberStarts()) {
      if (i < done) {
        continue; // a later group of the run just read
      }
      // a run: digit groups joined by single spaces or dashes, e.g. "12 4111-1111-1111-1111"
      int end = i;
      int digits = 0;
      while (true) {
        while (digit(at(s, end))) {
          end++;
          digits++;
        }
        char c = at(s, end);
        if ((c == ' ' || c == '-') && digit(at(s, end + 1))) {
          end++;
        } else {
          break;
        }
      }
      if (digits >= MIN && !continuesNumber(s, i) && !numberContinues(s, end)) {
        inRun(s, i, end, card, out);
      }
      done = end;
    }
  }

  /** Finds cards among the groups of one run, trying each group as the first one. */
  private static void inRun(String s, int from, int end, int[] digits, List<Finding> out) {
    int g = from;
    while (g < end) {
      int card = longestCard(s, g, end, digits);
      int next = card > 0 ? card : g;
      while (next < end && digit(s.charAt(next))) {
        next++;
      }
      if (card > 0) {
        out.add(new Finding(NAME, g, card));
      }
      g = next + 1; // past the separator, at the next group
    }
  }

  /**
   * The end of the longest valid card starting at group {@code g}, or -1. Reads at most
   * {@link #MAX} digits, so each group costs a bounded amount.
   */
  private static int longestCard(String s, int g, int end, int[] d) {
    int k = g;
    int count = 0;
    int groups = 0;
    char sep = 0;
    int best = -1;
    while (true) {
      int start = k;
      while (k < end && digit(s.charAt(k))) {
        if (count == MAX) {
          return best;
        }
        d[count++] = s.charAt(k++) - '0';
      }
      int len = k - start;
      groups++;
      if (groups == 1 ? len != 4 && len < MIN : len > 6) {
        return best;
      }
      if (count >= MIN && issued(d, count) && luhn(d, count)) {
        best = k;
      }
      if (k >= end || groups == 1 && len != 4) {
        return best;
      }
      char c = s.charAt(k);
      if (groups == 1) {
        sep = c;
      } else if (c != sep) {
        return best;
      }
      k++;
    }
  }

  /** A prefix some network issues cards under, with a length it uses. */
  static boolean issued(int[] d, int len) {
    int p2 = d[0] * 10 + d[1];
    int p3 = p2 * 10 + d[2];
    int p4 = p3 * 10 + d[3];
    if (d[0] == 4) {
      return len == 13 || len == 16 || len == 19; // Visa
    }
    if (p2 >= 51 && p2 <= 55 || p4 >= 2221 && p4 <= 2720) {
      return len == 16; // Mastercard
    }
    if (p2 == 34 || p2 == 37) {
      return len == 15; // American Express
    }
    if (p4 == 6011 || p3 >= 644 && p3 <= 649 || p2 == 65) {
      return len >= 16; // Discover
    }
    if (p4 >= 3528 && p4 <= 3589) {
      return len >= 16; // JCB
    }
    if (p3 >= 300 && p3 <= 305 || p2 == 36 || p2 == 38 || p2 == 39) {
      return len >= 14; // Diners Club
    }
    if (p2 == 62) {
      return len >= 16; // UnionPay
    }
    for (int m : MAESTRO) {
      if (p4 == m) {
        return true; // Maestro: 12–19 digits, of which we consider 13 and up
      }
    }
    return false;
  }

  static boolean luhn(int[] d, int len) {
    int sum = 0;
    for (int k = len - 1, pos = 0; k >= 0; k--, pos++) {
      int v = d[k];
      if ((pos & 1) == 1) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
    }
    return sum % 10 == 0;
  }
}
