package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Detect.ALNUM;
import static dev.nemoclaw.privacy.Detect.BASE64URL;
import static dev.nemoclaw.privacy.Detect.UPPER_DIGIT;
import static dev.nemoclaw.privacy.Detect.found;
import static dev.nemoclaw.privacy.Detect.random;
import static dev.nemoclaw.spec.BuiltinDetector.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerSecretTest {
  private static final String BASE64 = ALNUM + "+/";

  private static void foundAlone(String token) {
    assertEquals(List.of(token), found(SECRET, "use " + token + " now"), token);
    assertEquals(List.of(token), found(SECRET, "{\"key\":\"" + token + "\"}"), token);
  }

  @ParameterizedTest
  @ValueSource(strings = {"AKIA", "ASIA", "ABIA", "ACCA"})
  void awsAccessKeyIds(String prefix) {
    foundAlone(prefix + random(UPPER_DIGIT, 16, 1));
    assertEquals(List.of("AKIAIOSFODNN7EXAMPLE"),
        found(SECRET, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"));
  }

  @Test
  void awsSecretAccessKeyInAnAssignment() {
    String key = random(BASE64, 40, 2);
    assertEquals(List.of(key), found(SECRET, "aws_secret_access_key = " + key + "\n"));
    assertEquals(List.of(key), found(SECRET, "AWS_SECRET_ACCESS_KEY=" + key));
    // 40 base64 chars under that key are the secret even when they look regular
    String plain = "abcd".repeat(10);
    assertEquals(List.of(plain), found(SECRET, "aws_secret_access_key: " + plain));
    assertEquals(List.of(), found(SECRET, "password: " + plain), "elsewhere entropy decides");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"})
  void gitHubTokens(String prefix) {
    foundAlone(prefix + random(ALNUM, 36, 3));
  }

  @Test
  void vendorTokens() {
    foundAlone("github_pat_" + random(ALNUM, 22, 4) + "_" + random(ALNUM, 59, 5));
    foundAlone("glpat-" + random(BASE64URL, 20, 6));
    foundAlone("xoxb-123456789012-1234567890123-" + random(ALNUM, 24, 7));
    foundAlone("xoxp-123456789012-123456789012-123456789012-" + random("0123456789abcdef", 32, 8));
    foundAlone("xapp-1-A0123456789-1234567890123-" + random("0123456789abcdef", 64, 9));
    foundAlone("sk-" + random(ALNUM, 48, 10));
    foundAlone("sk-proj-" + random(BASE64URL, 156, 11));
    foundAlone("sk-ant-api03-" + random(BASE64URL, 93, 12) + "AA");
    foundAlone("nvapi-" + random(BASE64URL, 64, 13));
    foundAlone("sk_live_" + random(ALNUM, 24, 14));
    foundAlone("AIza" + random(BASE64URL, 35, 15));
    foundAlone("hf_" + random(ALNUM, 34, 16));
    foundAlone("npm_" + random(ALNUM, 36, 17));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "risk-free", "task-sk-manager", "sk-learn", "desk-top",
      "sk-thisisnotakeyjustaverylongwordwithoutanydigits", // 32+ but no digit
      "xoxb-your-token-goes-here-please", "glpat-short"})
  void ordinaryWordsAreNotTokens(String text) {
    assertEquals(List.of(), found(SECRET, "the " + text + " thing"));
  }

  @Test
  void tokensOfTheWrongLengthOrInsideWordsAreNot() {
    String body = random(ALNUM, 37, 18);
    assertEquals(List.of(), found(SECRET, "ghp_" + body.substring(0, 35)), "35 chars");
    assertEquals(List.of(), found(SECRET, "ghp_" + body.substring(0, 36) + "_x"), "longer word");
    assertEquals(List.of(), found(SECRET, "xghp_" + body.substring(0, 36)), "inside a word");
    assertEquals(List.of(), found(SECRET, "AKIA" + random(UPPER_DIGIT, 15, 19)));
    assertEquals(List.of(), found(SECRET, "AKIA" + random(UPPER_DIGIT, 17, 19)));
    assertEquals(List.of(), found(SECRET, "AKIA" + "abcdefghijklmnop"), "lower case");
    assertEquals(List.of(), found(SECRET, "nvapi-" + random(BASE64URL, 63, 20)));
  }

  @Test
  void pemPrivateKeys() {
    String body = random(BASE64, 64, 21) + "\n" + random(BASE64, 40, 22) + "==";
    String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----";
    assertEquals(List.of(pem), found(SECRET, "key:\n" + pem + "\nbye"));
    String escaped = pem.replace("\n", "\\n");
    assertEquals(List.of(escaped), found(SECRET, "{\"k\":\"" + escaped + "\\n\"}"),
        "newlines as JSON escapes");
    String pkcs8 = pem.replace("RSA PRIVATE KEY", "PRIVATE KEY");
    assertEquals(List.of(pkcs8), found(SECRET, pkcs8));
    String openssh = pem.replace("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY");
    assertEquals(List.of(openssh), found(SECRET, openssh));
  }

  @Test
  void pemWithoutItsEndStillHidesTheKeyMaterial() {
    String head = "-----BEGIN EC PRIVATE KEY-----\\n" + random(BASE64, 64, 23) + "\\n"
        + random(BASE64, 20, 24);
    assertEquals(List.of(head), found(SECRET, "\"" + head + "\\n\" (truncated)"));
    String mismatched = head + "\\n-----END RSA PRIVATE KEY-----";
    assertEquals(List.of(head), found(SECRET, mismatched));
  }

  @Test
  void otherPemBlocksAreNot() {
    String cert = "-----BEGIN CERTIFICATE-----\n" + random(BASE64, 64, 25)
        + "\n-----END CERTIFICATE-----";
    assertEquals(List.of(), found(SECRET, cert));
    assertEquals(List.of(), found(SECRET, cert.replace("CERTIFICATE", "PUBLIC KEY")));
    assertEquals(List.of(), found(SECRET, "-----BEGIN or -----END, and ----- rules ---"));
  }

  @Test
  void jwts() {
    String jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
        + "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." + random(BASE64URL, 43, 26);
    foundAlone(jwt);
    assertEquals(List.of(jwt), found(SECRET, "Authorization: Bearer " + jwt));
    String unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.";
    assertEquals(List.of(unsigned), found(SECRET, "t " + unsigned + " x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "eyJ", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.", "eyJabc.eyJdef.ghi",
      "eyJhbGciOiJIUzI1NiJ9.e30.abc", "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig",
      "keyJhbGciOiJIUzI1NiJ9"})
  void notJwts(String text) {
    assertEquals(List.of(), found(SECRET, "a " + text + " b"));
  }

  @Test
  void highEntropyAssignmentsCoverTheValueOnly() {
    String v = random(ALNUM + "!#%*", 24, 27);
    assertEquals(List.of(v), found(SECRET, "password=" + v));
    assertEquals(List.of(v), found(SECRET, "{\"client_secret\": \"" + v + "\", \"n\": 1}"));
    assertEquals(List.of(v), found(SECRET, "DB_PASSWORD: '" + v + "'\n"));
    assertEquals(List.of(v), found(SECRET, "x-api-key: " + v));
    assertEquals(List.of(v), found(SECRET, "apiKey := \"" + v + "\""));
    assertEquals(List.of(v), found(SECRET, "'private_key' => '" + v + "',"));
    assertEquals(List.of(v), found(SECRET, "GET /cb?access_token=" + v + "&state=1"));
    assertEquals(List.of(v), found(SECRET, "passwd : " + v + ";"));
    assertEquals(List.of(v), found(SECRET, "{\\\"token\\\": \\\"" + v + "\\\"}"),
        "JSON inside a JSON string");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "password=aaaaaaaaaaaaaaaaaaa", "password: hunter2", "password=hunter2hunter2hunter2",
      "max_tokens: 1234567890123456", "token_type: bearer", "secretary: Jane Q. Public-Smith",
      "password = ${DATABASE_PASSWORD_VALUE}", "password: \"[REDACTED:secret]\"",
      "if (token == previousTokenValue123) {", "passwords: [\"a\", \"b\"]",
      "token: correct horse battery staple", "url: https://example.com/a9F3kL0pQ7zX2mN8"})
  void lowEntropyShortOrUnrelatedValuesAreNot(String text) {
    assertEquals(List.of(), found(SECRET, text));
  }

  @Test
  void entropy() {
    assertEquals(0.0, Secrets.entropy("aaaa", 0, 4));
    assertEquals(2.0, Secrets.entropy("abcd", 0, 4), 1e-9);
    assertTrue(Secrets.entropy(random(ALNUM, 32, 28), 0, 32) > 4.0);
  }
}
