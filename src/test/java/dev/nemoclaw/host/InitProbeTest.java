package dev.nemoclaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class InitProbeTest {
  @Test
  void parsesTheLastJsonLine() {
    var p = InitProbe.parse("warming up\n{\"userns\":false,\"usernsError\":\"EPERM\","
        + "\"landlockAbi\":6,\"seccomp\":true,\"seccompFilter\":true}\n").orElseThrow();
    assertEquals(new InitProbe(false, "EPERM", 6, true, true), p);
  }

  @Test
  void oddOutputYieldsNothing() {
    assertEquals(Optional.empty(), InitProbe.parse(""));
    assertEquals(Optional.empty(), InitProbe.parse("nemoclaw-init: not built yet"));
    assertEquals(Optional.empty(), InitProbe.parse("{not json"));
    assertEquals(Optional.empty(), InitProbe.parse("{\"landlockAbi\":7}"));
  }

  @Test
  void missingFieldsAreAbsentNotTrue() {
    var p = InitProbe.parse("{\"userns\":true}").orElseThrow();
    assertEquals(0, p.landlockAbi());
    assertTrue(p.userns());
    assertEquals(false, p.seccompFilter());
  }
}
