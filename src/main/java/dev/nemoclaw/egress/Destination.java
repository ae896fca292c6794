package dev.nemoclaw.egress;

import io.netty.util.NetUtil;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a client wants to go, in canonical form: a lower-case DNS name without a trailing dot, or
 * an IP address in its one canonical spelling ({@code 127.0.0.1}, {@code ::1}). Odd spellings of
 * IPv4 addresses ({@code 0x7f000001}, {@code 2130706433}, {@code 0177.0.0.1}, {@code 127.1}) and
 * IPv4-mapped IPv6 literals become the dotted address before the policy sees them, so a rule for a
 * name cannot be dodged with an address spelling, nor the other way round.
 *
 * @param host    canonical host, without brackets
 * @param port    1..65535
 * @param address present when the client gave an IP literal
 */
public record Destination(String host, int port, Optional<InetAddress> address) {

  /** Thrown for a host that is neither a valid DNS name nor an IP literal. */
  public static final class InvalidHost extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidHost(String message) {
      super(message);
    }
  }

  /** Parses a {@code host:port} authority as sent in CONNECT (IPv6 in brackets). */
  public static Destination ofAuthority(String authority, int defaultPort) {
    if (authority.isEmpty()) {
      throw new InvalidHost("empty host");
    }
    if (authority.indexOf('@') >= 0) {
      throw new InvalidHost("user information in the authority is not accepted");
    }
    String host;
    String port = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new InvalidHost("unclosed '[' in " + authority);
      }
      host = authority.substring(0, close + 1);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new InvalidHost("unexpected text after ']' in " + authority);
        }
        port = rest.substring(1);
      }
    } else {
      int colon = authority.lastIndexOf(':');
      if (colon >= 0) {
        host = authority.substring(0, colon);
        port = authority.substring(colon + 1);
      } else {
        host = authority;
      }
    }
    return of(host, port == null ? defaultPort : parsePort(port));
  }

  public static Destination of(String rawHost, int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidHost("port " + port + " is out of range");
    }
    if (rawHost.startsWith("[")) {
      if (!rawHost.endsWith("]")) {
        throw new InvalidHost("unclosed '[' in " + rawHost);
      }
      String inner = rawHost.substring(1, rawHost.length() - 1);
      if (inner.indexOf('%') >= 0) {
        throw new InvalidHost("IPv6 zone identifiers are not accepted: " + rawHost);
      }
      if (inner.indexOf(':') < 0) {
        throw new InvalidHost("not an IPv6 address: " + rawHost);
      }
      InetAddress a;
      try {
        a = InetAddress.ofLiteral(inner);
      } catch (IllegalArgumentException e) {
        throw new InvalidHost("not an IPv6 address: " + rawHost);
      }
      return new Destination(canonical(a), port, Optional.of(a));
    }
    if (rawHost.indexOf(':') >= 0) {
      throw new InvalidHost("an IPv6 address must be in brackets: " + rawHost);
    }
    String h = rawHost.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.isEmpty()) {
      throw new InvalidHost("empty host");
    }
    if (looksNumeric(h)) {
      try {
        Inet4Address a = Inet4Address.ofPosixLiteral(h);
        return new Destination(canonical(a), port, Optional.of(a));
      } catch (IllegalArgumentException e) {
        throw new InvalidHost("not a valid IPv4 address: " + rawHost);
      }
    }
    if (!h.chars().allMatch(c -> c < 128)) {
      try {
        h = IDN.toASCII(h, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        throw new InvalidHost("not a valid host name: " + rawHost);
      }
    }
    if (h.length() > 253) {
      throw new InvalidHost("host name longer than 253 characters");
    }
    for (String label : h.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw new InvalidHost("not a valid host name: " + rawHost);
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
          throw new InvalidHost("not a valid host name: " + rawHost);
        }
      }
    }
    return new Destination(h, port, Optional.empty());
  }

  /** host:port as a person writes it, with brackets around IPv6. */
  public String authority() {
    return bracketed() + ":" + port;
  }

  /** The value of a Host header for this destination and scheme default port. */
  String hostHeader(int defaultPort) {
    return port == defaultPort ? bracketed() : authority();
  }

  /** The host as a URL writes it: IPv6 in brackets. */
  private String bracketed() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  private static int parsePort(String s) {
    if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidHost("not a valid port: " + s);
    }
    int p = Integer.parseInt(s);
    if (p < 1 || p > 65535) {
      throw new InvalidHost("port " + p + " is out of range");
    }
    return p;
  }

  /**
   * Whether the host is one the URL standard (and inet_aton) reads as an IPv4 address: its last
   * label is a number, decimal or 0x-hex. Such a host is never resolved as a name.
   */
  private static boolean looksNumeric(String h) {
    String last = h.substring(h.lastIndexOf('.') + 1);
    if (last.isEmpty()) {
      return false;
    }
    if (last.startsWith("0x")) {
      return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
    return last.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /** The one spelling of an address: dotted IPv4, RFC 5952 IPv6 (lower case, longest zero run ::). */
  public static String canonical(InetAddress a) {
    return NetUtil.toAddressString(a);
  }
}
