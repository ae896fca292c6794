package dev.nemoclaw.privacy;

import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Detector;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Test helpers: what one detector finds, and credentials made up at run time. */
final class Detect {
  static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static final String UPPER_DIGIT = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static final String BASE64URL = ALNUM + "-_";

  private Detect() {}

  static Scanner all() {
    return Scanner.of(Arrays.stream(BuiltinDetector.values())
        .<Detector>map(Detector.Builtin::new).toList());
  }

  /** The substrings {@code kind} alone finds in {@code text}, in order. */
  static List<String> found(BuiltinDetector kind, String text) {
    return values(Scanner.of(List.of(new Detector.Builtin(kind))), text);
  }

  static List<String> values(Scanner scanner, String text) {
    return scanner.scan(text).stream().map(f -> text.substring(f.start(), f.end())).toList();
  }

  /**
   * {@code len} chars of {@code alphabet}, the same for the same seed. Tokens are made here
   * rather than written into the sources, so no secret scanner mistakes the tests for a leak.
   */
  static String random(String alphabet, int len, long seed) {
    Random r = new Random(seed);
    StringBuilder b = new StringBuilder(len);
    for (int k = 0; k < len; k++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
