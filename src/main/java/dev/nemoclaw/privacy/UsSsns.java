package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.continuesNumber;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.numberContinues;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;

/**
 * US social security numbers as written, {@code AAA-GG-SSSS} or {@code AAA GG SSSS}, that the SSA
 * could have issued: area not 000, 666 or 900–999, group not 00, serial not 0000, and not one of
 * the numbers known from advertising (078-05-1120 from a wallet insert, 219-09-9999 from an SSA
 * pamphlet). Nine bare digits are not matched: they are far more often something else.
 */
final class UsSsns implements TextDetector {
  static final UsSsns INSTANCE = new UsSsns();
  private static final String NAME = BuiltinDetector.US_SSN.yaml();
  private static final int LENGTH = 11;

  private UsSsns() {}

  @Override
  public void find(Text text, List<Finding> out) {
    for (int i : text.numberStarts()) {
      if (ssnAt(text.s, i)) {
        out.add(new Finding(NAME, i, i + LENGTH));
      }
    }
  }

  private static boolean ssnAt(String s, int i) {
    char sep = at(s, i + 3);
    if (sep != '-' && sep != ' ' || at(s, i + 6) != sep
        || !digits(s, i, 3) || !digits(s, i + 4, 2) || !digits(s, i + 7, 4)
        || continuesNumber(s, i) || numberContinues(s, i + LENGTH)
        || sep == ' ' && (digit(at(s, i - 2)) && at(s, i - 1) == ' '
            || at(s, i + LENGTH) == ' ' && digit(at(s, i + LENGTH + 1)))) {
      return false;
    }
    int area = number(s, i, 3);
    int group = number(s, i + 4, 2);
    int serial = number(s, i + 7, 4);
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
        && !(area == 78 && group == 5 && serial == 1120)
        && !(area == 219 && group == 9 && serial == 9999);
  }

  private static boolean digits(String s, int from, int count) {
    for (int k = from; k < from + count; k++) {
      if (!digit(at(s, k))) {
        return false;
      }
    }
    return true;
  }

  private static int number(String s, int from, int count) {
    int v = 0;
    for (int k = from; k < from + count; k++) {
      v = v * 10 + s.charAt(k) - '0';
    }
    return v;
  }
}
