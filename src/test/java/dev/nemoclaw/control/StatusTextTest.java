package dev.nemoclaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class StatusTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void modelsShowsEachRouteCircuitThenTokensAndCost() throws Exception {
    var inference = JSON.readTree("""
        {"requests":3,"promptTokens":900,"completionTokens":345,"usd":0.012345,
         "routes":[{"name":"main","state":"closed"},{"name":"backup","state":"open"}]}""");
    assertEquals("main ok, backup open · 1.2k tok $0.012", StatusText.models(inference));
  }

  @Test
  void noRoutesIsADash() throws Exception {
    assertEquals("-", StatusText.models(JSON.readTree("{\"routes\":[]}")));
    assertEquals("-", StatusText.models(JSON.missingNode()));
  }

  @Test
  void dollarsKeepCentsOrTwoSignificantDigits() {
    assertEquals("1.25", StatusText.usd(new java.math.BigDecimal("1.2468")));
    assertEquals("0.0000034", StatusText.usd(new java.math.BigDecimal("0.00000341")));
    assertEquals("0", StatusText.usd(java.math.BigDecimal.ZERO));
  }

  @Test
  void countsAbbreviate() {
    assertEquals("999", StatusText.count(999));
    assertEquals("2.5M", StatusText.count(2_500_000));
  }

  @Test
  void agesKeepTheTwoLargestUnits() {
    assertEquals("0s", StatusText.age(java.time.Duration.ofMillis(-5)));
    assertEquals("59s", StatusText.age(java.time.Duration.ofSeconds(59)));
    assertEquals("4m05s", StatusText.age(java.time.Duration.ofSeconds(245)));
    assertEquals("2h03m", StatusText.age(java.time.Duration.ofMinutes(123)));
    assertEquals("3d04h", StatusText.age(java.time.Duration.ofHours(76)));
  }
}
