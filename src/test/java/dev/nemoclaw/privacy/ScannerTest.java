package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Detect.values;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Detector;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScannerTest {
  private static Detector custom(String name, String regex) {
    return new Detector.Custom(name, regex);
  }

  @Test
  void findingsAreSortedAndNamedByDetector() {
    String text = "SSN 123-45-6789, mail bob@example.com, card 4111 1111 1111 1111, "
        + "call 415-555-0123, IBAN DE89370400440532013000, key AKIAIOSFODNN7EXAMPLE";
    List<Finding> found = Detect.all().scan(text);
    assertEquals(List.of("us-ssn", "email", "credit-card", "phone", "iban", "secret"),
        found.stream().map(Finding::detector).toList());
    assertEquals(List.of("123-45-6789", "bob@example.com", "4111 1111 1111 1111", "415-555-0123",
        "DE89370400440532013000", "AKIAIOSFODNN7EXAMPLE"), values(Detect.all(), text));
    assertEquals(new Finding("us-ssn", 4, 15), found.getFirst());
  }

  @Test
  void atTheSameStartTheLongerWins() {
    // the phone detector matches "415-555-0123" (an '@' may follow a number), the e-mail one all
    String text = "415-555-0123@example.com";
    assertEquals(List.of(new Finding("email", 0, 24)), Detect.all().scan(text));
    Scanner s = Scanner.of(List.of(custom("short", "ab"), custom("long", "abc")));
    assertEquals(List.of(new Finding("long", 0, 3)), s.scan("abcd"));
  }

  @Test
  void theEarlierWinsAnOverlapAndTiesGoToTheFirstListed() {
    Scanner s = Scanner.of(List.of(custom("late", "cde"), custom("early", "abc")));
    assertEquals(List.of(new Finding("early", 0, 3)), s.scan("abcde"));
    Scanner same = Scanner.of(List.of(custom("first", "abc"), custom("second", "abc")));
    assertEquals(List.of(new Finding("first", 0, 3), new Finding("first", 4, 7)),
        same.scan("abc abc"));
  }

  @Test
  void customDetectorsFindEveryNonEmptyMatch() {
    Scanner s = Scanner.of(List.of(custom("employee-id", "EMP-[0-9]{6}"), custom("xs", "x*")));
    String text = "EMP-123456, EMP-654321 and EMP-12 axxb";
    assertEquals(List.of("EMP-123456", "EMP-654321", "xx"), values(s, text));
  }

  @Test
  void spansAreUtf16Offsets() {
    String text = "\uD83D\uDE00 é EMP-123456 4111111111111111";
    Scanner s = Scanner.of(List.of(custom("employee-id", "EMP-[0-9]{6}"),
        new Detector.Builtin(BuiltinDetector.CREDIT_CARD)));
    assertEquals(List.of(new Finding("employee-id", 5, 15), new Finding("credit-card", 16, 32)),
        s.scan(text));
  }

  @Test
  void noDetectorsFindNothingAndAnyCharSequenceWorks() {
    assertEquals(List.of(), Scanner.of(List.of()).scan("4111111111111111 bob@example.com"));
    assertEquals(List.of(new Finding("email", 0, 15)),
        Detect.all().scan(new StringBuilder("bob@example.com")));
    assertEquals(List.of(), Detect.all().scan(""));
  }

  @Test
  void proseAndCodeWithoutPersonalDataIsClean() {
    String prose = """
        The release 2.14.3 shipped on 2024-05-17 at 14:30 UTC to 10.0.0.12 and 192.168.1.200;
        see https://example.com/docs?page=2&sort=desc. Version v1.2.3-rc.1, build 1234567890,
        order #A-1002-3344, risk-free task-sk-list, PID 4242, port 8080, max_tokens: 4096,
        token_type: bearer, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08,
        uuid 123e4567-e89b-12d3-a456-426614174000, 3.14159265358979, ~1,234,567,890 users.
        """;
    assertEquals(List.of(), Detect.all().scan(prose));
  }
}
