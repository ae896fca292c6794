package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpTest {
  @Test
  void parsesCanonicalLiteralsOnly() {
    assertEquals(new Ip(true, 0, 0x0a000001L), Ip.parse("10.0.0.1").orElseThrow());
    assertEquals(new Ip(true, 0, 0xffffffffL), Ip.parse("255.255.255.255").orElseThrow());
    assertEquals(new Ip(true, 0, 0x0a010203L), Ip.parse("::ffff:10.1.2.3").orElseThrow());
    assertEquals(new Ip(true, 0, 0x0a010203L), Ip.parse("[::ffff:a01:203]").orElseThrow());
    assertEquals(new Ip(false, 0, 1), Ip.parse("::1").orElseThrow());
    assertEquals(new Ip(false, 0x20010db800000000L, 0), Ip.parse("2001:db8::").orElseThrow());
    for (String s : List.of("10.1", "167772161", "010.0.0.1", "1.2.3.256", "1.2.3.4.", "1..2.3",
        "0x7f.0.0.1", "a.b.c.d", "1.2.3", "", ":::", "1.2.3.4/8")) {
      assertTrue(Ip.parse(s).isEmpty(), s);
    }
  }

  @Test
  void looksLikeAddress() {
    assertTrue(Ip.looksLikeAddress("167772161"));
    assertTrue(Ip.looksLikeAddress("1.2"));
    assertTrue(Ip.looksLikeAddress("fe80::1%eth0"));
    assertFalse(Ip.looksLikeAddress("1.2.example"));
    assertFalse(Ip.looksLikeAddress(""));
  }

  @Test
  void masks() {
    Ip a = Ip.parse("10.1.2.3").orElseThrow();
    assertEquals(Ip.parse("10.0.0.0").orElseThrow(), a.masked(8));
    assertEquals(Ip.parse("0.0.0.0").orElseThrow(), a.masked(0));
    assertEquals(a, a.masked(32));
    Ip b = Ip.parse("2001:db8:1:2:3:4:5:6").orElseThrow();
    assertEquals(Ip.parse("2001:db8::").orElseThrow(), b.masked(32));
    assertEquals(Ip.parse("2001:db8:1:2:3::").orElseThrow(), b.masked(80));
    assertEquals(b, b.masked(128));
    assertEquals(Ip.parse("::").orElseThrow(), b.masked(0));
    assertEquals("2001:db8:1:2:3:4:5:6", b.text());
    assertEquals("10.1.2.3", a.text());
  }
}
