package dev.nemoclaw.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** RFC 5424 formatting of audit events: PRI, header fields, SD escaping, truncation; URLs. */
class SyslogFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode event(int classUid, int severity, long time) {
    return JSON.createObjectNode().put("class_uid", classUid).put("severity_id", severity)
        .put("time", time);
  }

  private static String message(ObjectNode e, String sandbox, String msg, int max) {
    return new String(Syslog.message(Syslog.Facility.LOCAL0, "host-1", sandbox, 42, e,
        msg.getBytes(StandardCharsets.UTF_8), max), StandardCharsets.UTF_8);
  }

  @Test
  void aDeniedEgressIsAWholeRfc5424Message() {
    ObjectNode e = event(4001, 2, 1795453262123L);
    assertEquals("<133>1 2026-11-23T17:01:02.123Z host-1 nemoclaw - 4001"
            + " [nemoclaw@32473 sandbox=\"agent\" seq=\"42\"] {\"a\":1}",
        message(e, "agent", "{\"a\":1}", 8192));
  }

  @ParameterizedTest
  @CsvSource({"1,6", "2,5", "3,4", "4,3", "5,2", "6,1", "0,5", "99,5"})
  void ocsfSeverityMapsToSyslogSeverity(int ocsf, int syslog) {
    assertEquals(syslog, Syslog.severity(ocsf));
  }

  @Test
  void priIsFacilityTimesEightPlusSeverity() {
    ObjectNode high = event(1007, 4, 0);
    byte[] m = Syslog.message(Syslog.Facility.AUTH, "h", "s", 1, high, new byte[0], 8192);
    assertTrue(new String(m, StandardCharsets.UTF_8).startsWith("<35>1 1970-01-01T00:00:00.000Z "));
    byte[] cp = Syslog.message(Syslog.Facility.LOCAL7, "h", "s", 1,
        JSON.createObjectNode().put("class_uid", 0).put("time", 5), new byte[0], 8192);
    assertTrue(new String(cp, StandardCharsets.UTF_8).startsWith("<190>1 1970-01-01T00:00:00.005Z h nemoclaw - checkpoint "),
        new String(cp, StandardCharsets.UTF_8));
  }

  @Test
  void noTimeIsTheNilValue() {
    ObjectNode e = JSON.createObjectNode().put("class_uid", 4002).put("severity_id", 1);
    assertTrue(message(e, "a", "", 8192).startsWith("<134>1 - host-1 nemoclaw - 4002 "));
  }

  @Test
  void sdParamValuesEscapeQuoteBackslashAndBracket() {
    assertEquals("a\\\"b\\\\c\\]d", Syslog.escapeParam("a\"b\\c]d"));
    assertEquals("plain-name", Syslog.escapeParam("plain-name"));
    assertTrue(message(event(4001, 1, 0), "x\"]", "m", 8192)
        .contains("[nemoclaw@32473 sandbox=\"x\\\"\\]\" seq=\"42\"] m"));
  }

  @Test
  void headerFieldsArePrintableAsciiWithoutSpaces() {
    assertEquals("my_host", Syslog.headerField("my host", 255));
    assertEquals("h_st", Syslog.headerField("h\u00f6st", 255));
    assertEquals("-", Syslog.headerField("", 255));
    assertEquals("abc", Syslog.headerField("abcdef", 3));
  }

  @Test
  void anOverlongMessageIsCutAtACharacterBoundaryAndMarked() {
    String msg = "€".repeat(400); // 1200 bytes, three per character
    String full = message(event(4001, 2, 0), "agent", msg, 100_000);
    assertTrue(full.endsWith(msg));
    byte[] cut = Syslog.message(Syslog.Facility.LOCAL0, "host-1", "agent", 42,
        event(4001, 2, 0), msg.getBytes(StandardCharsets.UTF_8), 480);
    assertTrue(cut.length <= 480, "length " + cut.length);
    String s = new String(cut, StandardCharsets.UTF_8);
    assertTrue(s.contains(" truncated=\"1200\"] "), s);
    String body = s.substring(s.indexOf("] ") + 2);
    assertTrue(body.chars().allMatch(c -> c == '€'), "no broken character: " + body);
    assertTrue(cut.length > 480 - 3, "cut no more than one character short: " + cut.length);
  }

  @Test
  void targetsParseWithDefaultPorts() {
    assertEquals(new Syslog.Target(Syslog.Transport.UDP, "10.0.0.1", 514),
        Syslog.Target.parse("udp://10.0.0.1"));
    assertEquals(new Syslog.Target(Syslog.Transport.TCP, "siem.example", 1514),
        Syslog.Target.parse("tcp://siem.example:1514"));
    assertEquals(new Syslog.Target(Syslog.Transport.TLS, "siem.example", 6514),
        Syslog.Target.parse("TLS://siem.example"));
    Syslog.Target v6 = Syslog.Target.parse("udp://[::1]:5514");
    assertEquals("::1", v6.host());
    assertEquals("udp://[::1]:5514", v6.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"siem.example:514", "http://siem.example", "udp://", "udp://h:0",
      "tcp://h:99999", "tcp://h:514/x", "udp://u@h:514", "udp://h:514?x=1", "not a url"})
  void badTargetsAreRefusedWithTheExpectedForm(String url) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Syslog.Target.parse(url));
    assertTrue(e.getMessage().contains("udp://HOST:PORT"), e.getMessage());
  }

  @Test
  void facilitiesGoByTheirSyslogNames() {
    assertEquals(16, Syslog.Facility.parse("local0").code);
    assertEquals(23, Syslog.Facility.parse("LOCAL7").code);
    assertEquals(3, Syslog.Facility.parse("daemon").code);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Syslog.Facility.parse("local9"));
    assertTrue(e.getMessage().contains("local0"), e.getMessage());
  }
}
