package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SsrfGuardTest {
  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, loopback",
      "127.255.0.9, loopback",
      "0.0.0.0, unspecified",
      "10.1.2.3, private",
      "172.16.0.1, private",
      "172.31.255.255, private",
      "192.168.1.1, private",
      "169.254.1.1, link-local",
      "169.254.169.254, metadata",
      "100.64.0.1, carrier-grade",
      "100.127.255.255, carrier-grade",
      "224.0.0.1, multicast",
      "239.255.255.250, multicast",
      "255.255.255.255, broadcast",
      "240.0.0.1, reserved",
      "::1, loopback",
      "::, unspecified",
      "::ffff:10.0.0.1, private",
      "::127.0.0.1, IPv4-compatible",
      "fc00::1, unique local",
      "fd12:3456::1, unique local",
      "fd00:ec2::254, metadata",
      "fe80::1, link-local",
      "ff02::1, multicast",
      "64:ff9b::7f00:1, NAT64",
      "64:ff9b::a9fe:a9fe, metadata",
      "64:ff9b:1::1, NAT64",
      "2002:7f00:1::1, 6to4",
      "2002:a00:1::, 6to4",
      "2001:0:4136:e378:8000:63bf:80ff:fffe, Teredo",
  })
  void special(String address, String why) {
    Optional<String> w = SsrfGuard.whySpecial(InetAddress.ofLiteral(address));
    assertTrue(w.isPresent(), address);
    assertTrue(w.get().contains(why), address + ": " + w.get());
  }

  @ParameterizedTest
  @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "1.1.1.1",
      "2606:4700:4700::1111", "2a00:1450:4001::200e", "64:ff9b::808:808", "2002:808:808::1"})
  void ordinary(String address) {
    assertEquals(Optional.empty(), SsrfGuard.whySpecial(InetAddress.ofLiteral(address)));
  }
}
