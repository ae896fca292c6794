package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.host.CgroupMode;
import dev.nemoclaw.host.Finding;
import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.host.HostInfo;
import dev.nemoclaw.host.Status;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DoctorReportTest {
  static final HostCapabilities CAPS = new HostCapabilities(
      new HostInfo("6.8.0", "x86_64", "alice", false),
      List.of(
          Finding.ok("userns", "user namespaces work"),
          Finding.of("cgroups", Status.WARN, "v2: no delegation", "systemd-run --user --scope ..."),
          Finding.of("docker", Status.MISSING, "no engine", "sudo systemctl start docker")),
      true, 6, true, CgroupMode.V2, false, false, Optional.empty());

  @Test
  void jsonHasTheDocumentedShape() throws Exception {
    JsonNode n = new ObjectMapper().readTree(DoctorReport.json(CAPS));
    assertEquals(List.of("version", "host", "checks", "summary"), fieldNames(n));
    assertEquals(1, n.get("version").asInt());
    assertEquals(List.of("kernel", "arch", "user", "root"), fieldNames(n.get("host")));
    assertFalse(n.get("host").get("root").asBoolean());
    assertTrue(n.get("host").get("root").isBoolean());
    JsonNode checks = n.get("checks");
    assertEquals(3, checks.size());
    for (JsonNode c : checks) {
      assertEquals(List.of("id", "status", "detail", "fix"), fieldNames(c));
    }
    assertTrue(checks.get(0).get("fix").isNull(), "ok checks have fix: null");
    assertEquals("warn", checks.get(1).get("status").asText());
    assertEquals("sudo systemctl start docker", checks.get(2).get("fix").asText());
    assertEquals("full", n.get("summary").get("sandbox").asText());
    assertEquals("off", n.get("summary").get("limits").asText());
  }

  @Test
  void textIsAlignedWithFixesIndentedAndNoColourWhenAskedNot() {
    String text = DoctorReport.text(CAPS, false);
    List<String> lines = text.lines().toList();
    assertEquals("userns   ok       user namespaces work", lines.get(0));
    assertEquals("cgroups  warn     v2: no delegation", lines.get(1));
    assertEquals("                  fix: systemd-run --user --scope ...", lines.get(2));
    assertEquals("docker   missing  no engine", lines.get(3));
    assertEquals("sandbox: full, resource limits: off", lines.getLast());
    assertFalse(text.contains("\u001b["));
    assertTrue(DoctorReport.text(CAPS, true).contains("\u001b[33mwarn\u001b[0m"));
  }

  @Test
  void timeoutOptionTakesContractDurations() {
    var c = new DurationConverter();
    assertEquals(Duration.ofMillis(500), c.convert("500ms"));
    assertEquals(Duration.ofSeconds(2), c.convert("2s"));
    assertEquals(Duration.ofMinutes(1), c.convert("1m"));
    org.junit.jupiter.api.Assertions.assertThrows(
        picocli.CommandLine.TypeConversionException.class, () -> c.convert("2"));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
