package dev.nemoclaw.privacy;

import static dev.nemoclaw.spec.BuiltinDetector.IBAN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerIbanTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB29 NWBK 6016 1331 9268 19",
      "NL91ABNA0417164300", "FR14 2004 1010 0505 0001 3M02 606", "NO9386011117947",
      "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "BE68 5390 0754 7034"})
  void found(String iban) {
    assertEquals(List.of(iban), Detect.found(IBAN, "IBAN: " + iban + ", BIC X"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "DE89 3704 0044 0532 0130 01", "DE88370400440532013000", // checksum
      "DE89 3704 0044 0532 0130 0", "DE8937040044053201300012", // length for DE is 22
      "NL91ABNA041716430", "NO93860111179470",
      "ZZ89370400440532013000", "XX9386011117947", // no such country
      "DE89 37040044 0532 0130 00", "DE89  3704 0044 0532 0130 00", // grouping
      "de89370400440532013000", "XDE89370400440532013000", "DE89370400440532013000X"})
  void refused(String text) {
    assertEquals(List.of(), Detect.found(IBAN, "x " + text + " y"));
  }
}
