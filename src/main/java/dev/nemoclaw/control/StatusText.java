package dev.nemoclaw.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Short human renderings of {@code status} fields, shared by {@code ps} and {@code term}. */
public final class StatusText {
  private StatusText() {}

  /**
   * A status's {@code inference} object as {@code main ok, backup open · 1.2k tok $0.0123}: each
   * route with its circuit (closed shows as ok), then tokens and USD spent; {@code -} without
   * routes.
   */
  public static String models(JsonNode inference) {
    JsonNode routes = inference.path("routes");
    if (!routes.isArray() || routes.isEmpty()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    routes.forEach(r -> {
      String state = r.path("state").asText("?");
      parts.add(r.path("name").asText() + " " + (state.equals("closed") ? "ok" : state));
    });
    long tokens = inference.path("promptTokens").asLong() + inference.path("completionTokens")
        .asLong();
    return String.join(", ", parts) + " · " + count(tokens) + " tok $"
        + usd(inference.path("usd").decimalValue());
  }

  /** Cents from a dollar up ({@code 1.25}); below, two significant digits ({@code 0.0000034}). */
  public static String usd(BigDecimal usd) {
    BigDecimal v = usd.compareTo(BigDecimal.ONE) >= 0 ? usd.setScale(2, RoundingMode.HALF_UP)
        : usd.round(new MathContext(2, RoundingMode.HALF_UP));
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  /** An uptime or age: {@code 42s}, {@code 5m12s}, {@code 2h03m}, {@code 3d04h}. */
  public static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
    if (s < 86_400) {
      return s / 3600 + "h" + String.format(Locale.ROOT, "%02d", s / 60 % 60) + "m";
    }
    return s / 86_400 + "d" + String.format(Locale.ROOT, "%02d", s / 3600 % 24) + "h";
  }

  /** {@code 950}, {@code 1.2k}, {@code 3.4M}. */
  public static String count(long n) {
    if (n < 1000) {
      return Long.toString(n);
    }
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fk", n / 1000.0);
    }
    return String.format(Locale.ROOT, "%.1fM", n / 1_000_000.0);
  }
}
