package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.digit;

import java.util.Arrays;

/**
 * The text one scan looks at, with what several detectors need worked out once: the numeric
 * detectors (cards, SSNs, phones, IBANs) all start at a run of digits, and finding those runs is
 * the only pass over every char they need. Belongs to one scan, so it is not thread-safe.
 */
final class Text {
  final String s;
  private int[] numbers;

  Text(String s) {
    this.s = s;
  }

  /** Where each run of digits starts, ascending. */
  int[] numberStarts() {
    if (numbers == null) {
      int[] starts = new int[64];
      int count = 0;
      int n = s.length();
      int i = 0;
      while (true) {
        while (i < n && !digit(s.charAt(i))) {
          i++;
        }
        if (i == n) {
          break;
        }
        if (count == starts.length) {
          starts = Arrays.copyOf(starts, count * 2);
        }
        starts[count++] = i;
        while (i < n && digit(s.charAt(i))) {
          i++;
        }
      }
      numbers = Arrays.copyOf(starts, count);
    }
    return numbers;
  }
}
