package dev.nemoclaw.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void durations() {
    assertEquals(Duration.ofMillis(500), Values.duration("500ms"));
    assertEquals(Duration.ofSeconds(30), Values.duration("30s"));
    assertEquals(Duration.ofMinutes(5), Values.duration("5m"));
    assertEquals(Duration.ofHours(1), Values.duration("1h"));
    assertEquals(Duration.ofMinutes(90), Values.duration("1h30m"));
    for (String bad : new String[] {"", "5", "-5s", "1d", "1.5h", "0ms", "5 s", "s"}) {
      assertThrows(IllegalArgumentException.class, () -> Values.duration(bad), bad);
    }
  }

  @Test
  void sizes() {
    assertEquals(512L << 20, Values.size("512Mi"));
    assertEquals(2L << 30, Values.size("2Gi"));
    assertEquals(1_000_000_000L, Values.size("1G"));
    assertEquals(100_000L, Values.size("100K"));
    assertEquals(4096L, Values.size("4096"));
    for (String bad : new String[] {"0", "2GB", "-1Mi", "1.5Gi", "99999999999Ti", "Mi"}) {
      assertThrows(IllegalArgumentException.class, () -> Values.size(bad), bad);
    }
  }

  @Test
  void hosts() {
    assertEquals(new HostPattern.Address("10.1.2.3"), Values.host("10.1.2.3"));
    assertEquals(new HostPattern.Cidr("192.168.0.0", 16), Values.host("192.168.0.0/16"));
    // IPv4-mapped IPv6 is refused in rules (write the IPv4 form); the policy maps requests
    assertThrows(IllegalArgumentException.class, () -> Values.host("::ffff:10.0.0.1"));
    assertThrows(IllegalArgumentException.class, () -> Values.host("::ffff:10.0.0.0/104"));
    assertEquals(new HostPattern.Suffix("github.com"), Values.host("*.github.com"));
    for (String bad : new String[] {"*", "a..b", "-a.com", "999.1.1.1.1", "a.com.", "*.a*.com",
        "http://a.com", "a.com:443", "1.2.3.4/40"}) {
      assertThrows(IllegalArgumentException.class, () -> Values.host(bad), bad);
    }
  }

  @Test
  void toolMatches() {
    ToolMatch m = Values.toolMatch("org:acme/server:jira/tool:read_*");
    assertEquals(Optional.of("acme"), m.org());
    assertEquals(Optional.empty(), m.team());
    assertEquals(Optional.of("read_*"), m.tool());
    assertEquals(3, m.specificity());
    for (String bad : new String[] {"", "tool:", "tool:x/tool:y", "team:a/org:b", "x:y",
        "tool:*a", "server:jira/"}) {
      assertThrows(IllegalArgumentException.class, () -> Values.toolMatch(bad), bad);
    }
  }

  @Test
  void paths() {
    assertEquals("/a/b", Values.absolutePath("//a///b/"));
    assertThrows(IllegalArgumentException.class, () -> Values.absolutePath("/a/./b"));
    assertThrows(IllegalArgumentException.class, () -> Values.absolutePath("a/b"));
  }
}
