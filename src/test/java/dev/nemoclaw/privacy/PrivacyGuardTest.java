package dev.nemoclaw.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Defaults;
import dev.nemoclaw.spec.Detector;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrivacyGuardTest {
  private static final PrivacyScope IN = PrivacyScope.INFERENCE;
  private static final String PROMPT =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"my card is 4111 1111 1111 1111\"}]}";

  private static PrivacyGuard guard(PrivacyAction action, PrivacyScope... scope) {
    List<Detector> detectors = new ArrayList<>(Defaults.DETECTORS);
    detectors.add(new Detector.Custom("employee-id", "EMP-[0-9]{6}"));
    return PrivacyGuard.of(new Privacy(detectors, action, List.of(scope)));
  }

  private static final PrivacyGuard MASK = guard(PrivacyAction.MASK, IN);

  private static String masked(Verdict v) {
    return assertInstanceOf(Verdict.Masked.class, v).text();
  }

  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  @Test
  void coversTheListedScopesWhenDetectorsAreEnabled() {
    PrivacyGuard g = guard(PrivacyAction.MASK, PrivacyScope.INFERENCE, PrivacyScope.OUTPUT);
    assertTrue(g.covers(PrivacyScope.INFERENCE));
    assertTrue(g.covers(PrivacyScope.OUTPUT));
    assertFalse(g.covers(PrivacyScope.EGRESS));
    assertEquals(new Verdict.Clean(), g.check(PrivacyScope.EGRESS, "4111111111111111"));
    assertEquals(new Verdict.Clean(), g.checkJson(PrivacyScope.EGRESS, PROMPT));
    PrivacyGuard off = PrivacyGuard.of(Defaults.PRIVACY_OFF);
    for (PrivacyScope s : PrivacyScope.values()) {
      assertFalse(off.covers(s));
      assertEquals(new Verdict.Clean(), off.check(s, "4111111111111111"));
    }
    PrivacyGuard noScope = PrivacyGuard.of(new Privacy(Defaults.DETECTORS, PrivacyAction.BLOCK,
        List.of()));
    assertFalse(noScope.covers(IN));
  }

  @Test
  void actionsDecideTheVerdict() {
    String text = "SSN 123-45-6789";
    List<Finding> f = List.of(new Finding("us-ssn", 4, 15));
    assertEquals(new Verdict.Audited(f), guard(PrivacyAction.AUDIT, IN).check(IN, text));
    assertEquals(new Verdict.Masked("SSN [REDACTED:us-ssn]", f), MASK.check(IN, text));
    assertEquals(new Verdict.Blocked(f), guard(PrivacyAction.BLOCK, IN).check(IN, text));
    for (PrivacyAction a : PrivacyAction.values()) {
      assertEquals(new Verdict.Clean(), guard(a, IN).check(IN, "nothing to see, v1.2.3"), a::name);
      assertEquals(new Verdict.Clean(), guard(a, IN).checkJson(IN, "{\"a\":\"b\"}"), a::name);
    }
  }

  @Test
  void maskReplacesEachFindingWithItsMarkerAndKeepsOriginalOffsets() {
    String text = "mail bob@example.com or call (415) 555-0123; badge EMP-004211.";
    Verdict v = MASK.check(IN, text);
    assertEquals("mail [REDACTED:email] or call [REDACTED:phone]; badge [REDACTED:employee-id].",
        masked(v));
    assertEquals(List.of(new Finding("email", 5, 20), new Finding("phone", 29, 43),
        new Finding("employee-id", 51, 61)), v.findings());
    assertEquals("[REDACTED:credit-card]", masked(MASK.check(IN, "4111111111111111")));
  }

  @Test
  void checkJsonMasksInsideStringValuesAndKeepsTheRest() throws Exception {
    Verdict v = MASK.checkJson(IN, PROMPT);
    String out = masked(v);
    assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"my card is "
        + "[REDACTED:credit-card]\"}]}", out);
    assertEquals(json(PROMPT.replace("4111 1111 1111 1111", "[REDACTED:credit-card]")),
        json(out));
    // relative to the string value "my card is 4111 1111 1111 1111", not to the document
    assertEquals(List.of(new Finding("credit-card", 11, 30)), v.findings());
  }

  @Test
  void checkJsonHandlesEscapesNumbersAndNesting() throws Exception {
    String doc = "{\"n\":1.50,\"big\":123456789012345678901234567890,\"ok\":true,\"x\":null,"
        + "\"list\":[\"a\\\"b\\\\c\\n\\u00e9 SSN 123-45-6789\",{\"deep\":[\"bob@example.com\"]}],"
        + "\"card\":4111111111111111,\"password\":\"Zx8#qLm2$Vt9pR4w!Ky7\"}";
    Verdict v = MASK.checkJson(IN, doc);
    String out = masked(v);
    assertEquals("{\"n\":1.50,\"big\":123456789012345678901234567890,\"ok\":true,\"x\":null,"
        + "\"list\":[\"a\\\"b\\\\c\\né SSN [REDACTED:us-ssn]\",{\"deep\":[\"[REDACTED:email]\"]}],"
        + "\"card\":\"[REDACTED:credit-card]\",\"password\":\"[REDACTED:secret]\"}", out);
    json(out);
    assertEquals(List.of("us-ssn", "email", "credit-card", "secret"),
        v.findings().stream().map(Finding::detector).toList());
    assertEquals(new Finding("us-ssn", 12, 23), v.findings().getFirst(),
        "offsets in the decoded value a\"b\\c\\né SSN …");
  }

  @Test
  void checkJsonKeepsAPemKeyInAValueValid() throws Exception {
    String pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n"
        + "-----END PRIVATE KEY-----\\n";
    String out = masked(MASK.checkJson(IN, "{\"type\":\"service_account\",\"private_key\":\""
        + pem + "\"}"));
    assertEquals("{\"type\":\"service_account\",\"private_key\":\"[REDACTED:secret]\\n\"}", out);
  }

  @Test
  void checkJsonFindsSecretsByTheKeyTheyAreAssignedTo() {
    String v = "Zx8#qLm2$Vt9pR4w!Ky7";
    Verdict found = MASK.checkJson(IN, "{\"auth\":{\"x-api-key\":\"" + v + "\"},"
        + "\"secret\":\"The secret to a happy life is a long walk every day\","
        + "\"password\":\"hunter2\",\"name\":\"" + v + "\"}");
    assertEquals("{\"auth\":{\"x-api-key\":\"[REDACTED:secret]\"},"
        + "\"secret\":\"The secret to a happy life is a long walk every day\","
        + "\"password\":\"hunter2\",\"name\":\"" + v + "\"}", masked(found));
    assertEquals(List.of(new Finding("secret", 0, v.length())), found.findings());
  }

  @Test
  void checkJsonDoesNotScanKeys() {
    assertEquals(new Verdict.Clean(), MASK.checkJson(IN, "{\"bob@example.com\":\"x\"}"));
  }

  @Test
  void checkJsonOfAScalarDocument() {
    assertEquals("\"[REDACTED:credit-card]\"",
        masked(MASK.checkJson(IN, " \"4111 1111 1111 1111\" ")));
  }

  @Test
  void notJsonIsCheckedAsText() {
    String text = "card 4111111111111111 {";
    assertEquals(MASK.check(IN, text), MASK.checkJson(IN, text));
    assertEquals("card [REDACTED:credit-card] {", masked(MASK.checkJson(IN, text)));
    assertEquals(new Verdict.Clean(), MASK.checkJson(IN, ""));
    String trailing = "{\"a\":\"x\"} bob@example.com";
    assertEquals(MASK.check(IN, trailing), MASK.checkJson(IN, trailing));
  }

  @Test
  void duplicateKeysAreCheckedAsTextSoNoValueGoesOutUnscanned() {
    // a tree would keep only the last "c"; audit would then send the first one unscanned
    String doc = "{\"c\":\"4111 1111 1111 1111\",\"c\":\"hi\"}";
    Verdict v = guard(PrivacyAction.AUDIT, IN).checkJson(IN, doc);
    assertEquals(new Verdict.Audited(List.of(new Finding("credit-card", 6, 25))), v);
  }

  @Test
  void maskingRawJsonTextKeepsItValid() throws Exception {
    String doc = "{\"password\": \"Zx8#qLm2$Vt9pR4w!Ky7\", \"to\": \"bob@example.com\"}";
    String out = masked(MASK.check(IN, doc));
    assertEquals("{\"password\": \"[REDACTED:secret]\", \"to\": \"[REDACTED:email]\"}", out);
    json(out);
  }

  @Test
  void escapesInRawJsonAreBoundariesAndSurviveMasking() throws Exception {
    String token = "ghp_" + Detect.random(Detect.ALNUM, 36, 40);
    String doc = "{\"t\":\"a\\n4111 1111 1111 1111\\nbob@example.com\\tDE89370400440532013000"
        + "\\r\\n+1 415 555 0123\\n123-45-6789\\n" + token + "\"}";
    String out = masked(MASK.check(IN, doc));
    assertEquals("{\"t\":\"a\\n[REDACTED:credit-card]\\n[REDACTED:email]\\t[REDACTED:iban]"
        + "\\r\\n[REDACTED:phone]\\n[REDACTED:us-ssn]\\n[REDACTED:secret]\"}", out);
    json(out);
  }

  @Test
  void toolCallArgumentsAreJsonInsideAStringAndStayValid() throws Exception {
    String call = "{\"tool_calls\":[{\"function\":{\"name\":\"pay\",\"arguments\":"
        + "\"{\\\"note\\\":\\\"line\\\\n4111 1111 1111 1111\\\"}\"}}]}";
    JsonNode in = json(call);
    assertEquals("{\"note\":\"line\\n4111 1111 1111 1111\"}",
        in.at("/tool_calls/0/function/arguments").asText());
    String out = masked(MASK.checkJson(IN, call));
    String arguments = json(out).at("/tool_calls/0/function/arguments").asText();
    assertEquals("{\"note\":\"line\\n[REDACTED:credit-card]\"}", arguments);
    assertEquals("line\n[REDACTED:credit-card]", json(arguments).get("note").asText());
  }

  @Test
  void aMaskedTextScansCleanAgain() {
    String once = masked(MASK.check(IN, "password: \"Zx8#qLm2$Vt9pR4w!Ky7\" card 4111111111111111"));
    assertEquals(new Verdict.Clean(), MASK.check(IN, once));
  }

  @Test
  void onlyTheListedDetectorsRun() {
    PrivacyGuard emailOnly = PrivacyGuard.of(new Privacy(
        List.of(new Detector.Builtin(BuiltinDetector.EMAIL)), PrivacyAction.MASK, List.of(IN)));
    assertEquals("[REDACTED:email] 4111111111111111",
        masked(emailOnly.check(IN, "bob@example.com 4111111111111111")));
  }
}
