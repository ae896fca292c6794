package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Audit events as RFC 5424 syslog messages, for forwarding to a SIEM:
 *
 * <pre>{@code <PRI>1 TIMESTAMP HOSTNAME nemoclaw - MSGID [nemoclaw@32473 sandbox="NAME" seq="N"] MSG}</pre>
 *
 * <p>PRI is the facility × 8 plus a severity from the event's OCSF {@code severity_id};
 * TIMESTAMP the event's own time (UTC, milliseconds); MSGID its OCSF {@code class_uid}
 * ({@code checkpoint} for the log's own records); MSG the event in the export format, UTF-8
 * without a BOM (RFC 5424 §6.4 allows MSG-ANY; a BOM in front of JSON breaks most parsers on the
 * receiving side). 32473 is the private enterprise number RFC 5612 reserves for documentation
 * examples: a placeholder until nemoclaw has a number of its own.
 */
public final class Syslog {
  /** The SD-ID of our structured data element: NAME@PEN (RFC 5424 §7.2.2). */
  public static final String SD_ID = "nemoclaw@32473";

  public static final String APP_NAME = "nemoclaw";

  /** What receivers of UDP syslog commonly accept (rsyslog's default maximum is 8 KiB). */
  public static final int DEFAULT_UDP_MAX = 8192;

  /** RFC 5426 §3.2: every IPv4 receiver must accept this much. */
  public static final int MIN_UDP_MAX = 480;

  /** The largest payload of one UDP datagram over IPv4. */
  public static final int MAX_UDP_MAX = 65_507;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Syslog() {}

  /** The syslog facilities by their usual names (RFC 5424 §6.2.1; logger(1)'s spelling). */
  public enum Facility {
    KERN(0), USER(1), MAIL(2), DAEMON(3), AUTH(4), SYSLOG(5), LPR(6), NEWS(7), UUCP(8), CRON(9),
    AUTHPRIV(10), FTP(11), NTP(12), SECURITY(13), CONSOLE(14), LOCAL0(16), LOCAL1(17), LOCAL2(18),
    LOCAL3(19), LOCAL4(20), LOCAL5(21), LOCAL6(22), LOCAL7(23);

    public final int code;

    Facility(int code) {
      this.code = code;
    }

    /** {@code local0}, {@code daemon}, … (case-insensitive). */
    public static Facility parse(String name) {
      for (Facility f : values()) {
        if (f.name().equalsIgnoreCase(name.strip())) {
          return f;
        }
      }
      throw new IllegalArgumentException("'" + name + "' is not a syslog facility; allowed: "
          + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT))
              .collect(Collectors.joining(", ")));
    }
  }

  public enum Transport {
    UDP(514), TCP(514), TLS(6514);

    public final int defaultPort;

    Transport(int defaultPort) {
      this.defaultPort = defaultPort;
    }
  }

  /** Where to send: {@code udp://HOST[:PORT]}, {@code tcp://…} or {@code tls://…}. */
  public record Target(Transport transport, String host, int port) {
    /** Parses a syslog URL; the port defaults to 514 (6514 for TLS, RFC 5425). */
    public static Target parse(String url) {
      String hint = "; expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT";
      URI u;
      try {
        u = new URI(url.strip());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("'" + url + "' is not a URL (" + e.getReason() + ")" + hint);
      }
      Transport t;
      try {
        t = Transport.valueOf(String.valueOf(u.getScheme()).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + url + "': the scheme must be udp, tcp or tls" + hint);
      }
      String host = u.getHost();
      if (host == null || host.isEmpty() || u.getRawUserInfo() != null) {
        throw new IllegalArgumentException("'" + url + "' names no host" + hint);
      }
      if ((u.getRawPath() != null && !u.getRawPath().isEmpty()) || u.getRawQuery() != null
          || u.getRawFragment() != null) {
        throw new IllegalArgumentException("'" + url + "' has a path, query or fragment" + hint);
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = u.getPort() < 0 ? t.defaultPort : u.getPort();
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("'" + url + "': port " + port + " is out of range" + hint);
      }
      return new Target(t, host, port);
    }

    @Override
    public String toString() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return transport.name().toLowerCase(Locale.ROOT) + "://" + h + ":" + port;
    }
  }

  /**
   * OCSF {@code severity_id} to syslog severity: 1 Informational → 6 info, 2 Low → 5 notice,
   * 3 Medium → 4 warning, 4 High → 3 err, 5 Critical → 2 crit, 6 Fatal → 1 alert; 0 Unknown and
   * 99 Other → 5 notice.
   */
  public static int severity(int ocsfSeverityId) {
    return switch (ocsfSeverityId) {
      case 1 -> 6;
      case 2 -> 5;
      case 3 -> 4;
      case 4 -> 3;
      case 5 -> 2;
      case 6 -> 1;
      default -> 5;
    };
  }

  /** RFC 3339 in UTC with milliseconds, as RFC 5424 §6.2.3 allows: 2026-11-23T17:01:02.123Z. */
  public static String timestamp(long epochMillis) {
    return TIME.format(Instant.ofEpochMilli(epochMillis));
  }

  /** A PARAM-VALUE: {@code "}, {@code \} and {@code ]} escaped with a backslash (RFC 5424 §6.3.3). */
  static String escapeParam(String v) {
    StringBuilder s = new StringBuilder(v.length() + 8);
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '"' || c == '\\' || c == ']') {
        s.append('\\');
      }
      s.append(c);
    }
    return s.toString();
  }

  /**
   * A header field (HOSTNAME, MSGID): printable US-ASCII without spaces, at most {@code max}
   * characters; anything else becomes {@code _}, and nothing at all the NILVALUE {@code -}.
   */
  static String headerField(String v, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < v.length() && s.length() < max; i++) {
      char c = v.charAt(i);
      s.append(c > 32 && c < 127 ? c : '_');
    }
    return s.isEmpty() ? "-" : s.toString();
  }

  /**
   * This host's name for the HOSTNAME field: the kernel's (no DNS lookup, which may hang on a
   * host without a resolver), else the JDK's idea of it, else {@code -}.
   */
  public static String localHostname() {
    try {
      String n = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!n.isEmpty()) {
        return headerField(n, 255);
      }
    } catch (Exception e) {
      // not Linux, or /proc is not mounted: ask the JDK
    }
    try {
      return headerField(java.net.InetAddress.getLocalHost().getHostName(), 255);
    } catch (Exception e) {
      return "-";
    }
  }

  /**
   * One message for the event {@code event} (the stored OCSF object, or a checkpoint), carrying
   * {@code msg} (the event in the export format). When the whole would be longer than
   * {@code max} bytes, MSG is cut at a character boundary to fit and the structured data says
   * {@code truncated="ORIGINAL-BYTES"}; the header is never cut.
   */
  public static byte[] message(Facility facility, String hostname, String sandbox, long seq,
      JsonNode event, byte[] msg, int max) {
    byte[] head = header(facility, hostname, sandbox, seq, event, -1);
    if (head.length + msg.length <= max) {
      return concat(head, msg, msg.length);
    }
    head = header(facility, hostname, sandbox, seq, event, msg.length);
    int keep = Math.max(0, Math.min(msg.length, max - head.length));
    while (keep > 0 && keep < msg.length && (msg[keep] & 0xC0) == 0x80) {
      keep--; // never split a UTF-8 sequence: back off to the start of the character
    }
    return concat(head, msg, keep);
  }

  private static byte[] header(Facility facility, String hostname, String sandbox, long seq,
      JsonNode event, int truncatedFrom) {
    int classUid = event.path("class_uid").asInt();
    int sev = classUid == 0 ? 6 : severity(event.path("severity_id").asInt(0));
    JsonNode time = event.path("time");
    StringBuilder s = new StringBuilder(160)
        .append('<').append(facility.code * 8 + sev).append(">1 ")
        .append(time.canConvertToLong() ? timestamp(time.asLong()) : "-").append(' ')
        .append(headerField(hostname, 255)).append(' ')
        .append(APP_NAME).append(" - ")
        .append(classUid == 0 ? "checkpoint" : Integer.toString(classUid)).append(' ')
        .append('[').append(SD_ID)
        .append(" sandbox=\"").append(escapeParam(sandbox)).append('"')
        .append(" seq=\"").append(seq).append('"');
    if (truncatedFrom >= 0) {
      s.append(" truncated=\"").append(truncatedFrom).append('"');
    }
    s.append("] ");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] head, byte[] msg, int msgLen) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + msgLen);
    out.write(head, 0, head.length);
    out.write(msg, 0, msgLen);
    return out.toByteArray();
  }
}
