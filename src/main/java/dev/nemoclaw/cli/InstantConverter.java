package dev.nemoclaw.cli;

import dev.nemoclaw.spec.Values;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A point in time on the command line: an ISO-8601 instant ({@code 2026-11-23T10:00:00Z}, or with
 * an offset), a date ({@code 2026-11-23}, midnight UTC), or a duration meaning that long ago
 * ({@code 30m}, {@code 24h}, {@code 7d}, {@code 2w}; CONTRACT §2's syntax plus days and weeks).
 */
final class InstantConverter implements ITypeConverter<Instant> {
  private static final Pattern DAYS = Pattern.compile("(\\d{1,5})([dw])(.*)");
  private final Clock clock;

  InstantConverter() {
    this(Clock.systemUTC());
  }

  InstantConverter(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Instant convert(String value) {
    String v = value.strip();
    if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
      try {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not a date: " + e.getMessage());
      }
    }
    if (v.matches("\\d{4}-\\d{2}-\\d{2}[Tt].*")) {
      try {
        return OffsetDateTime.parse(v.toUpperCase(java.util.Locale.ROOT)).toInstant();
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not an ISO-8601 time with an offset,"
            + " such as 2026-11-23T10:00:00Z or 2026-11-23T11:00:00+01:00");
      }
    }
    try {
      return clock.instant().minus(ago(v));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("'" + value + "' is neither a time (2026-11-23T10:00:00Z,"
          + " 2026-11-23) nor a duration ago (30m, 24h, 7d, 2w)");
    }
  }

  private static Duration ago(String v) {
    Matcher m = DAYS.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = m.group(2).equals("d") ? Duration.ofDays(n) : Duration.ofDays(7 * n);
      return m.group(3).isEmpty() ? d : d.plus(Values.duration(m.group(3)));
    }
    return Values.duration(v);
  }
}
