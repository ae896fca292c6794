package dev.nemoclaw.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Special-purpose addresses a sandbox may reach only through a rule that names them: loopback,
 * private, link-local, shared (CGNAT), multicast, reserved, cloud metadata, and IPv6 forms that
 * carry such an IPv4 address inside (mapped, compatible, NAT64, 6to4, Teredo). A DNS name that
 * resolves to one of these is refused, which is what stops SSRF through a friendly-looking name.
 */
public final class SsrfGuard {
  private SsrfGuard() {}

  /** Why this address is special ("a loopback address", ...), or empty for an ordinary one. */
  public static Optional<String> whySpecial(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return why4(b);
    }
    if (address instanceof Inet6Address) {
      return why6(b);
    }
    return Optional.of("an address of an unknown family");
  }

  private static Optional<String> why4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    int a3 = b[3] & 0xff;
    if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) {
      return Optional.of("the cloud metadata address");
    }
    if (a0 == 0) {
      return Optional.of("an unspecified (0.0.0.0/8) address");
    }
    if (a0 == 127) {
      return Optional.of("a loopback address");
    }
    if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
      return Optional.of("a private address");
    }
    if (a0 == 169 && a1 == 254) {
      return Optional.of("a link-local address");
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return Optional.of("a shared (carrier-grade NAT) address");
    }
    if (a0 == 192 && a1 == 0 && a2 == 0) {
      return Optional.of("an IETF protocol-assignment address");
    }
    if (a0 == 198 && (a1 & 0xfe) == 18) {
      return Optional.of("a benchmarking-network address");
    }
    if (a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255) {
      return Optional.of("the broadcast address");
    }
    if ((a0 & 0xf0) == 224) {
      return Optional.of("a multicast address");
    }
    if ((a0 & 0xf0) == 240) {
      return Optional.of("a reserved (240.0.0.0/4) address");
    }
    return Optional.empty();
  }

  private static Optional<String> why6(byte[] b) {
    if (allZero(b, 0, 15)) {
      return Optional.of(b[15] == 0 ? "the unspecified address" : b[15] == 1
          ? "a loopback address" : "an IPv4-compatible address");
    }
    // fd00:ec2::254, the AWS metadata service over IPv6
    if (u16(b, 0) == 0xfd00 && u16(b, 2) == 0x0ec2 && allZero(b, 4, 14) && u16(b, 14) == 0x254) {
      return Optional.of("the cloud metadata address");
    }
    // ::ffff:0:0/96 (mapped) and ::/96 (compatible): the JDK turns mapped ones into Inet4Address,
    // but an address built from raw bytes elsewhere may not be
    if (allZero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff)) {
      return Optional.of("an IPv4-mapped address");
    }
    if (allZero(b, 0, 12)) {
      return Optional.of("an IPv4-compatible address");
    }
    // ::ffff:0:0:0/96 (IPv4-translated, RFC 2765)
    if (allZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && allZero(b, 10, 12)) {
      return Optional.of("an IPv4-translated address");
    }
    // NAT64: 64:ff9b::/96 well-known, 64:ff9b:1::/48 local use
    if (u16(b, 0) == 0x64 && u16(b, 2) == 0xff9b) {
      if (u16(b, 4) == 1) {
        return Optional.of("a local-use NAT64 address");
      }
      if (allZero(b, 4, 12)) {
        return embedded(b, 12, "a NAT64 address");
      }
    }
    // 6to4: 2002:V4ADDR::/48
    if (u16(b, 0) == 0x2002) {
      return embedded(b, 2, "a 6to4 address");
    }
    // Teredo: 2001:0::/32, server at bytes 4..7, client (obfuscated) at 12..15
    if (u16(b, 0) == 0x2001 && u16(b, 2) == 0) {
      Optional<String> server = embedded(b, 4, "a Teredo address");
      if (server.isPresent()) {
        return server;
      }
      byte[] client = new byte[4];
      for (int i = 0; i < 4; i++) {
        client[i] = (byte) ~b[12 + i];
      }
      return why4(client).map(w -> "a Teredo address wrapping " + w);
    }
    if (u16(b, 0) == 0x0100 && allZero(b, 2, 8)) {
      return Optional.of("a discard-only (100::/64) address");
    }
    if ((b[0] & 0xfe) == 0xfc) {
      return Optional.of("a private (unique local) address");
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
      return Optional.of("a link-local address");
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
      return Optional.of("a site-local address");
    }
    if ((b[0] & 0xff) == 0xff) {
      return Optional.of("a multicast address");
    }
    return Optional.empty();
  }

  private static Optional<String> embedded(byte[] b, int at, String what) {
    byte[] v4 = new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]};
    return why4(v4).map(w -> what + " wrapping " + w);
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }
}
