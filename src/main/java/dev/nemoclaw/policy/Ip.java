package dev.nemoclaw.policy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * An IP address as two longs: IPv4 in the low 32 bits of {@code lo} ({@code v4} set), IPv6 as its
 * 128 bits. An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is its IPv4 form, because that
 * is where a socket to it goes.
 */
record Ip(boolean v4, long hi, long lo) {

  int bits() {
    return v4 ? 32 : 128;
  }

  /** This address with only the first {@code prefix} bits kept. */
  Ip masked(int prefix) {
    if (v4) {
      long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
      return new Ip(true, 0, lo & mask);
    }
    long hiMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
    long loMask = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    return new Ip(false, hi & hiMask, lo & loMask);
  }

  static Ip of(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return new Ip(true, 0, be(b, 0, 4));
    }
    long hi = be(b, 0, 8);
    long lo = be(b, 8, 8);
    if (hi == 0 && (lo >>> 32) == 0xffffL) {
      return new Ip(true, 0, lo & 0xffffffffL);
    }
    return new Ip(false, hi, lo);
  }

  private static long be(byte[] b, int off, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  /** Whether {@code s} is written like an IP address (digits and dots, or holding a colon). */
  static boolean looksLikeAddress(String s) {
    boolean numeric = !s.isEmpty();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ':') {
        return true;
      }
      numeric &= (c >= '0' && c <= '9') || c == '.';
    }
    return numeric;
  }

  /**
   * {@code s} as an address when it is a canonical IP literal (never a DNS lookup): a dotted quad
   * without leading zeros, or an IPv6 literal (brackets and zone allowed). Other numeric spellings
   * ({@code 10.1}, {@code 167772161}, {@code 010.0.0.1}) are empty: resolvers disagree on them
   * (octal or decimal), so the policy does not guess.
   */
  static Optional<Ip> parse(String s) {
    if (s.indexOf(':') < 0) {
      long quad = dottedQuad(s);
      return quad >= 0 ? Optional.of(new Ip(true, 0, quad)) : Optional.empty();
    }
    String lit = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    try {
      return Optional.of(of(Inet6Address.ofLiteral(lit)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The fast path: {@code a.b.c.d}, each 0..255 without leading zeros; -1 otherwise. */
  private static long dottedQuad(String s) {
    long v = 0;
    int parts = 0;
    int i = 0;
    int n = s.length();
    while (i < n) {
      int start = i;
      int octet = 0;
      while (i < n && s.charAt(i) != '.') {
        char c = s.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        octet = octet * 10 + (c - '0');
        if (octet > 255 || i - start >= 3) {
          return -1;
        }
        i++;
      }
      if (i == start || (i - start > 1 && s.charAt(start) == '0')) {
        return -1;
      }
      v = (v << 8) | octet;
      parts++;
      if (i < n) {
        i++;
        if (i == n) {
          return -1;
        }
      }
    }
    return parts == 4 ? v : -1;
  }

  /** The address as the JDK writes it (dotted quad, or eight hex groups). */
  String text() {
    byte[] b = new byte[v4 ? 4 : 16];
    if (v4) {
      for (int i = 0; i < 4; i++) {
        b[i] = (byte) (lo >>> (24 - 8 * i));
      }
    } else {
      for (int i = 0; i < 8; i++) {
        b[i] = (byte) (hi >>> (56 - 8 * i));
        b[8 + i] = (byte) (lo >>> (56 - 8 * i));
      }
    }
    try {
      return v4 ? InetAddress.getByAddress(b).getHostAddress()
          : Inet6Address.getByAddress(null, b, -1).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
