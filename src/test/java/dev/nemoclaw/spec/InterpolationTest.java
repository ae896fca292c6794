package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolationTest {
  static final Map<String, String> ENV = Map.of("A", "1", "EMPTY", "");

  static String apply(String s) throws Interpolation.Failure {
    return Interpolation.apply(s, ENV);
  }

  @Test
  void expands() throws Exception {
    assertEquals("x1y", apply("x${A}y"));
    assertEquals("d", apply("${B:-d}"));
    assertEquals("d", apply("${EMPTY:-d}"));
    assertEquals("", apply("${EMPTY-d}"));
    assertEquals("1", apply("${A:-d}"));
    assertEquals("", apply("${B:-}"));
    assertEquals("$A", apply("$$A"));
    assertEquals("${A}", apply("$${A}"));
    assertEquals("cost $5 ^a$", apply("cost $5 ^a$"));
    assertEquals("1/x", apply("${B:-${A}/x}"));           // a default with a reference, as compose
    assertEquals("1", apply("${A:-${B}}"));               // not expanded when not needed
    assertEquals("d/$", apply("${B:-${EMPTY:-d}/$$}"));
  }

  @Test
  void failures() {
    Interpolation.Failure unset = assertThrows(Interpolation.Failure.class, () -> apply("${B}"));
    assertTrue(unset.getMessage().contains("variable B is not set"), unset.getMessage());
    Interpolation.Failure req = assertThrows(Interpolation.Failure.class,
        () -> apply("${EMPTY:?give it}"));
    assertTrue(req.getMessage().endsWith("required: give it"), req.getMessage());
    assertThrows(Interpolation.Failure.class, () -> apply("${A"));
    assertThrows(Interpolation.Failure.class, () -> apply("${1A}"));
    assertThrows(Interpolation.Failure.class, () -> apply("${A+x}"));
  }
}
