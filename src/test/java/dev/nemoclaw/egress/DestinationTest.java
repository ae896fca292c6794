package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DestinationTest {
  @ParameterizedTest
  @CsvSource({
      "0x7f000001, 127.0.0.1",
      "2130706433, 127.0.0.1",
      "0177.0.0.1, 127.0.0.1",
      "127.1, 127.0.0.1",
      "127.0.1, 127.0.0.1",
      "0x7f.1, 127.0.0.1",
      "017700000001, 127.0.0.1",
      "[::ffff:127.0.0.1], 127.0.0.1",
      "[::FFFF:7f00:1], 127.0.0.1",
      "[0:0:0:0:0:0:0:1], ::1",
      "[::1], ::1",
      "[FD00:EC2:0::254], fd00:ec2::254",
      "[2001:db8:0:0:1:0:0:1], 2001:db8::1:0:0:1",
      "[2001:db8:0:1:1:1:1:1], 2001:db8:0:1:1:1:1:1",
      "[1:0:0:2:0:0:0:3], 1:0:0:2::3",
      "[1:2:3:4:5:6:7:0], 1:2:3:4:5:6:7:0",
      "[0:0:1:2:3:4:0:0], ::1:2:3:4:0:0",
      "[::1.2.3.4], ::102:304",
      "169.254.169.254, 169.254.169.254",
      "0xa9fea9fe, 169.254.169.254",
      "API.GitHub.COM., api.github.com",
      "api.github.com, api.github.com",
      "xn--bcher-kva.example, xn--bcher-kva.example",
      "bücher.example, xn--bcher-kva.example",
      "1e100.net, 1e100.net",
  })
  void canonicalizes(String raw, String canonical) {
    assertEquals(canonical, Destination.of(raw, 80).host());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "a..b", "exa mple.com", "evil.com%00", "1.2.3.4.5",
      "256.0.0.1.1", "[::1%eth0]", "::1", "[::1", "[1.2.3.4]", "a_b@c", "-x-.com/"})
  void refusesWhatIsNeitherNameNorAddress(String raw) {
    assertThrows(Destination.InvalidHost.class, () -> Destination.of(raw, 80));
  }

  @Test
  void authorities() {
    assertEquals(new Destination("::1", 8080, java.util.Optional.of(addr("::1"))),
        Destination.ofAuthority("[::1]:8080", 443));
    assertEquals("example.com:443", Destination.ofAuthority("Example.com", 443).authority());
    assertEquals("[::1]:443", Destination.ofAuthority("[::1]", 443).authority());
    assertThrows(Destination.InvalidHost.class, () -> Destination.ofAuthority("a:0", 443));
    assertThrows(Destination.InvalidHost.class, () -> Destination.ofAuthority("a:99999", 443));
    assertThrows(Destination.InvalidHost.class, () -> Destination.ofAuthority("a:-1", 443));
    assertThrows(Destination.InvalidHost.class, () -> Destination.ofAuthority("u:p@a:80", 443));
    assertTrue(Destination.ofAuthority("0x7f000001:80", 443).address().isPresent());
  }

  static InetAddress addr(String s) {
    return InetAddress.ofLiteral(s);
  }
}
