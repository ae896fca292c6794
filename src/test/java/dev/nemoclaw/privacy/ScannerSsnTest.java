package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Detect.found;
import static dev.nemoclaw.spec.BuiltinDetector.US_SSN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerSsnTest {
  @Test
  void dashedOrSpaced() {
    assertEquals(List.of("123-45-6789"), found(US_SSN, "SSN: 123-45-6789."));
    assertEquals(List.of("536 22 1234"), found(US_SSN, "ssn 536 22 1234 on file"));
    assertEquals(List.of("001-01-0001", "899-99-9999"),
        found(US_SSN, "001-01-0001 and 899-99-9999"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", // areas never issued
      "123-00-4567", // group 00
      "123-45-0000", // serial 0000
      "078-05-1120", "219-09-9999", // the well-known published ones
      "123-45 6789", "123 45-6789", // separators must agree
      "12-345-6789", "1234-56-789", "123456789", // other shapes
      "1-123-45-6789", "123-45-6789-0", "0.123-45-6789", "123-45-67890", // inside longer numbers
      "A123-45-6789", "123-45-6789b", // inside words
      "7 123 45 6789", "123 45 6789 1"}) // inside a spaced run of digits
  void refused(String text) {
    assertEquals(List.of(), found(US_SSN, "x " + text + " y"));
  }
}
