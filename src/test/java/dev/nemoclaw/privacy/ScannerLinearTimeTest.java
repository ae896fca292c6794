package dev.nemoclaw.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Detector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Inputs built to make a backtracking matcher or a rescanning detector go quadratic (or worse),
 * each 1–2 MB. A linear scan of that takes tens of milliseconds; quadratic work would take
 * hours. The bound is generous so a busy machine does not fail it, and preemptive so a
 * regression fails instead of hanging the build.
 */
class ScannerLinearTimeTest {
  private static final int MB = 1 << 20;
  private static final Duration BOUND = Duration.ofSeconds(2);

  private static final Scanner ALL = Scanner.of(withCustom());

  private static List<Detector> withCustom() {
    List<Detector> d = new ArrayList<>(Arrays.stream(BuiltinDetector.values())
        .<Detector>map(Detector.Builtin::new).toList());
    // catastrophic for a backtracking engine on a run of x without a '!'
    d.add(new Detector.Custom("nested", "(x+x+)+!"));
    d.add(new Detector.Custom("employee-id", "EMP-[0-9]{6}"));
    return d;
  }

  private static String repeat(String unit, int bytes) {
    return unit.repeat(Math.max(1, bytes / unit.length()));
  }

  enum Adversary {
    DIGITS(() -> repeat("1", 2 * MB), 0),
    SPACED_DIGITS(() -> repeat("1 ", 2 * MB), 0),
    CARD_GROUPS(() -> repeat("4111 ", 2 * MB), 0),
    DASHED_DIGITS(() -> repeat("123-", 2 * MB), 0),
    AT_SIGNS(() -> repeat("a@", 2 * MB), 0),
    DOTTED_LOCAL_PARTS(() -> repeat("a.", MB) + "@" + repeat("b.", MB), 0),
    PLUS_SIGNS(() -> repeat("+1 ", 2 * MB), 0),
    PARENS(() -> repeat("(415) ", 2 * MB), 0),
    IBAN_HEADS(() -> repeat("DE89 ", 2 * MB), 0),
    EYJ(() -> repeat("eyJ", 2 * MB), 0),
    EYJ_DOTS(() -> repeat("eyJhbGciOiJIUzI1.", 2 * MB), 1), // the first three parts are a JWT
    BEGIN_WITHOUT_END(() -> repeat("-----BEGIN RSA PRIVATE KEY-----", 2 * MB),
        2 * MB / 31),
    BEGIN_THEN_BASE64(() -> "-----BEGIN PRIVATE KEY-----\n" + Detect.random(
        Detect.ALNUM + "+/", 2 * MB, 1), 1),
    BASE64(() -> Detect.random(Detect.ALNUM + "+/=", 2 * MB, 2), 0),
    BASE64URL(() -> Detect.random(Detect.BASE64URL, 2 * MB, 3), 0),
    ASSIGNMENTS(() -> repeat("token=", 2 * MB), 0),
    COLONS(() -> repeat("password:", 2 * MB), 0),
    KEY_BEFORE_ASSIGNMENT(() -> repeat("_", 2 * MB) + "=" + repeat("a", 16), 0),
    TOKEN_PREFIXES(() -> repeat("sk-", 2 * MB), 0),
    XS_WITHOUT_BANG(() -> repeat("x", 2 * MB), 0);

    final Supplier<String> text;
    final int findings;

    Adversary(Supplier<String> text, int findings) {
      this.text = text;
      this.findings = findings;
    }
  }

  @ParameterizedTest
  @EnumSource(Adversary.class)
  void finishesInLinearTime(Adversary a) {
    String text = a.text.get();
    List<Finding> found = assertTimeoutPreemptively(BOUND, () -> ALL.scan(text), a::name);
    assertEquals(a.findings, found.size(), a.name());
  }
}
