package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Detect.found;
import static dev.nemoclaw.spec.BuiltinDetector.CREDIT_CARD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerCardTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "4111111111111111", "4222222222222", "4000000000000000006", // Visa 16, 13, 19
      "5555555555554444", "2221000000000009", "2720000000000005", // Mastercard 51-55, 2221-2720
      "378282246310005", "371449635398431", // American Express
      "6011111111111117", "6440000000000005", "6500000000000002", // Discover
      "3530111333300000", "3566002020360505", // JCB
      "30569309025904", "36000000000008", "38520000023237", // Diners Club
      "6200000000000005", "6200000000000000000", // UnionPay 16, 19
      "6759649826438453", "5018000000000009"}) // Maestro
  void everyIssuerIsFound(String card) {
    assertEquals(List.of(card), found(CREDIT_CARD, "card: " + card + "."));
  }

  @Test
  void groupedBySpacesOrDashes() {
    assertEquals(List.of("4111 1111 1111 1111"),
        found(CREDIT_CARD, "my card is 4111 1111 1111 1111, exp 12/27"));
    assertEquals(List.of("4111-1111-1111-1111"), found(CREDIT_CARD, "(4111-1111-1111-1111)"));
    assertEquals(List.of("3782 822463 10005"), found(CREDIT_CARD, "amex 3782 822463 10005"));
    assertEquals(List.of("4111 1111 1111 1111"),
        found(CREDIT_CARD, "qty 2 4111 1111 1111 1111 12 27"),
        "the card among other numbers in one spaced run");
    assertEquals(List.of("4111111111111111", "5555555555554444"),
        found(CREDIT_CARD, "4111111111111111\n5555555555554444"));
  }

  @Test
  void luhnInvalidNumbersAreNot() {
    assertEquals(List.of(), found(CREDIT_CARD, "4111111111111112"));
    assertEquals(List.of(), found(CREDIT_CARD, "4111 1111 1111 1112"));
    assertEquals(List.of(), found(CREDIT_CARD, "5555555555554445"));
  }

  @Test
  void luhnValidNumbersWithoutAnIssuerAreNot() {
    // order numbers, ids and timestamps pass Luhn one time in ten
    assertEquals(List.of(), found(CREDIT_CARD, "Order #1000000000000008 shipped"));
    assertEquals(List.of(), found(CREDIT_CARD, "id 9000000000000001"));
    assertEquals(List.of(), found(CREDIT_CARD, "ref 7000000000000005"));
    assertEquals(List.of(), found(CREDIT_CARD, "ts=1234567812345670"));
  }

  @Test
  void lengthMustFitTheIssuer() {
    assertEquals(List.of(), found(CREDIT_CARD, "37000000000000002"), "Amex is 15 digits");
    assertEquals(List.of(), found(CREDIT_CARD, "41111111111111"), "Visa is 13, 16 or 19");
  }

  @Test
  void partOfALongerNumberOrWordIsNot() {
    assertEquals(List.of(), found(CREDIT_CARD, "94111111111111111"));
    assertEquals(List.of(), found(CREDIT_CARD, "x4111111111111111"));
    assertEquals(List.of(), found(CREDIT_CARD, "4111111111111111abc"));
    assertEquals(List.of(), found(CREDIT_CARD, "sha 4111111111111111deadbeef"));
    assertEquals(List.of(), found(CREDIT_CARD, "12.4111111111111111"));
    assertEquals(List.of(), found(CREDIT_CARD, "4111111111111111.25"));
    assertEquals(List.of(), found(CREDIT_CARD, "1,4111111111111111"));
    assertEquals(List.of(), found(CREDIT_CARD, "12345678901234567890123"));
  }

  @Test
  void groupingMustLookLikeACard() {
    assertEquals(List.of(), found(CREDIT_CARD, "4111 1111-1111 1111"), "mixed separators");
    assertEquals(List.of(), found(CREDIT_CARD, "41 1111 1111 1111 11"), "first group not 4");
    assertEquals(List.of(), found(CREDIT_CARD, "4111  1111  1111  1111"), "double spaces");
    assertEquals(List.of(), found(CREDIT_CARD, "4111 1111111 1111 1"), "a group over 6");
  }

  @Test
  void validatorsDirectly() {
    int[] visa = {4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    assertEquals(true, CreditCards.luhn(visa, 16));
    assertEquals(true, CreditCards.issued(visa, 16));
    visa[15] = 2;
    assertEquals(false, CreditCards.luhn(visa, 16));
    assertEquals(false, CreditCards.issued(new int[] {1, 2, 3, 4}, 16));
  }
}
