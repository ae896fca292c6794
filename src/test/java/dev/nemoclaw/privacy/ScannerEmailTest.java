package dev.nemoclaw.privacy;

import static dev.nemoclaw.spec.BuiltinDetector.EMAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScannerEmailTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "jane@example.com", "jane.doe+tag@mail.example.co.uk", "o_reilly-99%x@a-b.example.museum",
      "J.Doe@Example.ORG", "x@y.io"})
  void found(String email) {
    assertEquals(List.of(email), Detect.found(EMAIL, "mail <" + email + ">, thanks"));
  }

  @Test
  void edgesOfTheAddress() {
    assertEquals(List.of("bob@example.com"), Detect.found(EMAIL, "write to bob@example.com."));
    assertEquals(List.of("bob@example.com"), Detect.found(EMAIL, "\"email\":\"bob@example.com\""));
    assertEquals(List.of("bob@example.com"), Detect.found(EMAIL, "mailto:bob@example.com?x=1"));
    assertEquals(List.of("bob@example.com"), Detect.found(EMAIL, "see..bob@example.com"));
    assertEquals(List.of("bob@example.com"), Detect.found(EMAIL, "...bob@example.com"));
    assertEquals(List.of("bob@mail.example"), Detect.found(EMAIL, "bob@mail.example.1"),
        "trailing labels that are not a TLD are left out");
    assertEquals(List.of("a@b.cd", "e@f.gh"), Detect.found(EMAIL, "a@b.cd,e@f.gh"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "@types/node", "user@localhost", "pkg@1.2.3", "a@b.c", "me@host.c0m", "bob.@example.com",
      "bob@-example.com", "bob@example-.com", "bob@.example.com", "bob@example..com",
      "git@github.com:org/repo.git", "@@@", "a@@b.com", "josé@"})
  void refused(String text) {
    assertEquals(List.of(), Detect.found(EMAIL, "x " + text + " y"));
  }

  @Test
  void lengthLimits() {
    String local64 = "a".repeat(64);
    assertEquals(List.of(local64 + "@example.com"),
        Detect.found(EMAIL, " " + local64 + "@example.com"));
    assertEquals(List.of(), Detect.found(EMAIL, " a" + local64 + "@example.com"));
    String label = "b".repeat(64);
    assertEquals(List.of(), Detect.found(EMAIL, "a@" + label + ".com"));
  }
}
