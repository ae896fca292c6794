package dev.nemoclaw.spec;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;

/** "did you mean" hints for misspelt keys and values. */
final class Suggest {
  private Suggest() {}

  /** {@code " (did you mean 'x'?)"} for the closest candidate within a small distance, or "". */
  static String didYouMean(String word, Collection<String> candidates) {
    String w = word.toLowerCase(Locale.ROOT);
    return candidates.stream()
        .filter(c -> distance(w, c.toLowerCase(Locale.ROOT)) <= Math.max(1, c.length() / 3))
        .min(Comparator.comparingInt(c -> distance(w, c.toLowerCase(Locale.ROOT))))
        .map(c -> " (did you mean '" + c + "'?)")
        .orElse("");
  }

  /** Edit distance counting a swap of neighbours as one edit (typos are often swaps). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
