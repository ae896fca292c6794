package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** {@code report --since/--until}: an instant, a date, or a duration ago. */
class ReportTimeOptionTest {
  static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  final InstantConverter c = new InstantConverter(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void instantsDatesAndDurationsAgo() {
    assertEquals(Instant.parse("2026-11-23T10:00:00Z"), c.convert("2026-11-23T10:00:00Z"));
    assertEquals(Instant.parse("2026-11-23T10:00:00Z"), c.convert("2026-11-23T11:00:00+01:00"));
    assertEquals(Instant.parse("2026-11-23T10:00:00.250Z"), c.convert("2026-11-23t10:00:00.250z"));
    assertEquals(Instant.parse("2026-11-20T00:00:00Z"), c.convert("2026-11-20"));
    assertEquals(NOW.minus(Duration.ofHours(24)), c.convert("24h"));
    assertEquals(NOW.minus(Duration.ofMinutes(90)), c.convert("1h30m"));
    assertEquals(NOW.minus(Duration.ofDays(7)), c.convert("7d"));
    assertEquals(NOW.minus(Duration.ofDays(14)), c.convert("2w"));
    assertEquals(NOW.minus(Duration.ofDays(1).plusHours(12)), c.convert("1d12h"));
  }

  @Test
  void anythingElseIsRefusedWithTheFormsAllowed() {
    for (String bad : new String[] {"yesterday", "", "7 days", "-1h", "2026-11-23T10:00:00",
        "2026-13-01", "0s"}) {
      TypeConversionException e = assertThrows(TypeConversionException.class, () -> c.convert(bad), bad);
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
