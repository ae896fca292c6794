package dev.nemoclaw.privacy;

import static dev.nemoclaw.spec.BuiltinDetector.PHONE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerPhoneTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "(415) 555-0123", "(415)555-0123", "(415) 555 0123", "415-555-0123", "415.555.0123",
      "1-800-555-0199", "1 (415) 555-0123", "1.415.555.0123",
      "+1 415 555 0123", "+1 (415) 555-0123", "+14155550123", "+44 20 7946 0958",
      "+49 (0) 30 1234567", "+33 1 23 45 67 89", "+81-3-1234-5678", "+353.1.234.5678"})
  void found(String phone) {
    assertEquals(List.of(phone), Detect.found(PHONE, "call " + phone + ", thanks"));
    assertEquals(List.of(phone), Detect.found(PHONE, phone));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "4155550123", "14155550123", // bare digit runs
      "2024-01-15", "2024.01.15", "15/01/2024", "12:30:45", // dates and times
      "1.2.3", "10.0.19041.1234", "v415.555.0123", // versions
      "192.168.100.200", "10.415.555.0123", // addresses
      "4111-1111-1111-1111", "4111 1111 1111 1111", "+4111111111111111", // cards
      "123-456-7890", "015-555-0123", "911-555-0123", "495-911-1234", // no such area/exchange
      "415-555-0123-4567", "415-555-0123.5", "415-555-01234", "x415-555-0123", // longer
      "415-555.0123", "415 555 0123", // mixed or bare spaces
      "+0 415 555 0123", "+1234567", "+1 2345 6789 0123 4567", "5+14155550123", // not E.164
      "+ 1 415 555 0123", "+1  415 555 0123"})
  void refused(String text) {
    assertEquals(List.of(), Detect.found(PHONE, "x " + text + " y"));
  }
}
