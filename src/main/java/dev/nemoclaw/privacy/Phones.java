package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.continuesNumber;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.numberContinues;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;

/**
 * Telephone numbers in two shapes that are hard to mistake for anything else:
 *
 * <ul>
 *   <li>international (E.164): {@code +}, a country code not starting with 0, 8–15 digits in
 *       all, with single spaces, dashes or dots between digit groups and an optional
 *       parenthesised group: {@code +44 20 7946 0958}, {@code +1 (415) 555-0123},
 *       {@code +14155550123};
 *   <li>North American: {@code (415) 555-0123}, {@code 415-555-0123}, {@code 415.555.0123},
 *       optionally after {@code 1-}/{@code 1 }/{@code 1.}, with a plausible area code (2–9, not
 *       N9X, not N11) and exchange (2–9, not N11).
 * </ul>
 *
 * <p>Bare digit runs, dates ({@code 2024-01-15}), versions ({@code 1.2.3}), IP addresses, times
 * and card numbers never take these shapes, and a candidate touching more digits or letters on
 * either side ({@code 10.415.555.0123}, {@code 415-555-0123-99}) is refused.
 */
final class Phones implements TextDetector {
  static final Phones INSTANCE = new Phones();
  private static final String NAME = BuiltinDetector.PHONE.yaml();
  private static final int MIN_E164 = 8;
  private static final int MAX_E164 = 15;

  private Phones() {}

  @Override
  public void find(Text text, List<Finding> out) {
    String s = text.s;
    int done = 0;
    for (int d : text.numberStarts()) {
      if (d < done) {
        continue; // inside the number just found
      }
      // a number is tried from its first digit, or from the '+' or '(' just before it
      char p = at(s, d - 1);
      int start = p == '+' || p == '(' ? d - 1 : d;
      int end = phoneEnd(s, start);
      if (end < 0 && p == '(') {
        start = d; // "(415-555-0123)"
        end = phoneEnd(s, start);
      }
      if (end > 0) {
        out.add(new Finding(NAME, start, end));
        done = end;
      }
    }
  }

  /** The end of a phone number starting at {@code i}, or -1; the shape first, as most fail it. */
  private static int phoneEnd(String s, int i) {
    char c = s.charAt(i);
    int end = c == '+' ? international(s, i) : northAmerican(s, i);
    return end < 0 || continuesNumber(s, i) || digit(c) && at(s, i - 1) == '+'
        || numberContinues(s, end) ? -1 : end;
  }

  /** The end of {@code +CC…} at {@code i}, or -1. Reads at most 15 digits. */
  private static int international(String s, int i) {
    int k = i + 1;
    char first = at(s, k);
    if (!digit(first) || first == '0') {
      return -1;
    }
    int digits = 0;
    while (true) {
      char c = at(s, k);
      if (digit(c)) {
        if (++digits > MAX_E164) {
          return -1;
        }
        k++;
      } else if ((c == ' ' || c == '-' || c == '.') && digit(at(s, k - 1))
          && (digit(at(s, k + 1)) || at(s, k + 1) == '(')) {
        k++;
      } else if (c == '(') {
        int close = k + 1;
        while (close - k <= 4 && digit(at(s, close))) {
          close++;
        }
        if (close == k + 1 || at(s, close) != ')' || !digit(at(s, close + 1))
            && !(at(s, close + 1) == ' ' && digit(at(s, close + 2)))) {
          break;
        }
        digits += close - k - 1;
        k = at(s, close + 1) == ' ' ? close + 2 : close + 1;
      } else {
        break;
      }
    }
    return digits >= MIN_E164 && digits <= MAX_E164 ? k : -1;
  }

  /** The end of a North American number at {@code i} (a digit or '('), or -1. */
  private static int northAmerican(String s, int i) {
    int k = i;
    char trunk = 0;
    if (s.charAt(k) == '1') {
      trunk = at(s, k + 1);
      if (trunk != '-' && trunk != ' ' && trunk != '.') {
        return -1;
      }
      k += 2;
    }
    char sep;
    if (at(s, k) == '(') {
      if (!area(s, k + 1) || at(s, k + 4) != ')') {
        return -1;
      }
      k += at(s, k + 5) == ' ' ? 6 : 5;
      sep = at(s, k + 3);
      if (sep != '-' && sep != '.' && sep != ' ') {
        return -1;
      }
    } else {
      sep = at(s, k + 3);
      if (!area(s, k) || sep != '-' && sep != '.' || trunk != 0 && trunk != ' ' && trunk != sep) {
        return -1;
      }
      k += 4;
    }
    if (!exchange(s, k) || at(s, k + 3) != sep || !fourDigits(s, k + 4)) {
      return -1;
    }
    return k + 8;
  }

  private static boolean area(String s, int k) {
    char a = at(s, k);
    char b = at(s, k + 1);
    char c = at(s, k + 2);
    return a >= '2' && a <= '9' && digit(b) && b != '9' && digit(c) && !(b == '1' && c == '1');
  }

  private static boolean exchange(String s, int k) {
    char a = at(s, k);
    char b = at(s, k + 1);
    char c = at(s, k + 2);
    return a >= '2' && a <= '9' && digit(b) && digit(c) && !(b == '1' && c == '1');
  }

  private static boolean fourDigits(String s, int k) {
    return digit(at(s, k)) && digit(at(s, k + 1)) && digit(at(s, k + 2)) && digit(at(s, k + 3));
  }
}
