package dev.nemoclaw.spec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parsers for the scalar types of agent.yaml. Each takes the (interpolated) text and returns the
 * value or throws {@link IllegalArgumentException} whose message says what is allowed; the binder
 * adds file, position and field.
 */
public final class Values {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern INT = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)");
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?");
  private static final Pattern USER = Pattern.compile("([0-9]+):([0-9]+)");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]"
          + "|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");
  private static final Pattern DOCKER_NAME = Pattern.compile(
      "([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*");
  private static final Pattern DOCKER_TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern GLOB_SEGMENT = Pattern.compile("\\*|[A-Za-z0-9_.-]+\\*?");
  static final List<String> HTTP_METHODS =
      List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
  static final List<String> TOOL_SEGMENTS = List.of("org", "team", "agent", "server", "tool");

  private Values() {}

  static String name(String s) {
    if (!NAME.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a valid name; allowed: 1-63 of a-z, "
          + "0-9 and '-', starting with a letter or digit");
    }
    return s;
  }

  static long integer(String s, long min, long max) {
    if (!INT.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not an integer");
    }
    long v;
    try {
      v = Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is out of range " + min + ".." + max);
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(v + " is out of range; allowed: " + min + ".." + max);
    }
    return v;
  }

  /** A positive decimal; {@code max} bounds obvious typos. */
  static BigDecimal positiveDecimal(String s, BigDecimal max) {
    if (!DECIMAL.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a number");
    }
    BigDecimal v = new BigDecimal(s);
    if (v.signum() <= 0 || v.compareTo(max) > 0) {
      throw new IllegalArgumentException(s + " is out of range; allowed: > 0 and <= "
          + max.toPlainString());
    }
    return v;
  }

  static boolean bool(String s) {
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + s + "' is not a boolean; allowed: "
          + "true, false");
    };
  }

  /** CONTRACT §2's durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1h30m}. */
  public static Duration duration(String s) {
    Matcher m = DURATION_PART.matcher(s);
    Duration total = Duration.ZERO;
    int at = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
        total = total.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        });
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("'" + s + "' is too long a duration");
      }
      at = m.end();
    }
    if (s.isEmpty() || at != s.length()) {
      throw new IllegalArgumentException("'" + s + "' is not a duration; allowed: a number with "
          + "ms, s, m or h, e.g. 500ms, 30s, 5m, 1h, 1h30m");
    }
    if (total.isZero()) {
      throw new IllegalArgumentException("'" + s + "': the duration must be positive");
    }
    return total;
  }

  /** The shortest spelling of {@code d} in the same syntax: {@code 90s}, {@code 5m}, {@code 1h}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  public static long size(String s) {
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a size; allowed: bytes, or a number "
          + "with Ki, Mi, Gi, Ti (powers of 1024) or K, M, G, T (powers of 1000), e.g. 512Mi, 2Gi");
    }
    long mult = switch (m.group(2) == null ? "" : m.group(2)) {
      case "Ki" -> 1L << 10;
      case "Mi" -> 1L << 20;
      case "Gi" -> 1L << 30;
      case "Ti" -> 1L << 40;
      case "k", "K" -> 1_000L;
      case "M" -> 1_000_000L;
      case "G" -> 1_000_000_000L;
      case "T" -> 1_000_000_000_000L;
      default -> 1L;
    };
    long v;
    try {
      v = Math.multiplyExact(Long.parseLong(m.group(1)), mult);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + s + "' is too large");
    }
    if (v <= 0) {
      throw new IllegalArgumentException("'" + s + "': the size must be positive");
    }
    return v;
  }

  static User user(String s) {
    Matcher m = USER.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + s + "' is not uid:gid; allowed: two numbers, e.g. "
          + "\"1000:1000\" (quote it: unquoted YAML 1.1 may read it as a number)");
    }
    return new User((int) integer(m.group(1), 0, Integer.MAX_VALUE),
        (int) integer(m.group(2), 0, Integer.MAX_VALUE));
  }

  /** An absolute sandbox path without {@code .} or {@code ..}; repeated and trailing '/' dropped. */
  static String absolutePath(String s) {
    if (!s.startsWith("/")) {
      throw new IllegalArgumentException("'" + s + "' is not an absolute path; it must start "
          + "with '/'");
    }
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a path must not contain NUL");
    }
    List<String> parts = Arrays.stream(s.split("/")).filter(p -> !p.isEmpty()).toList();
    if (parts.contains(".") || parts.contains("..")) {
      throw new IllegalArgumentException("'" + s + "' must be a normalised path (no '.' or '..' "
          + "segments)");
    }
    return "/" + String.join("/", parts);
  }

  static String envName(String s) {
    if (!ENV_NAME.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a valid environment variable name; "
          + "allowed: letters, digits and '_', not starting with a digit");
    }
    return s;
  }

  static int port(String s) {
    try {
      return (int) integer(s, 1, 65535);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + s + "' is not a port; allowed: 1..65535");
    }
  }

  static String method(String s) {
    if (!HTTP_METHODS.contains(s)) {
      String hint = HTTP_METHODS.contains(s.toUpperCase(Locale.ROOT))
          ? " (did you mean '" + s.toUpperCase(Locale.ROOT) + "'?)" : "";
      throw new IllegalArgumentException("'" + s + "' is not an HTTP method; allowed: "
          + String.join(", ", HTTP_METHODS) + hint);
    }
    return s;
  }

  static String urlPath(String s) {
    if (!s.startsWith("/") || s.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      throw new IllegalArgumentException("'" + s + "' is not a URL path glob; it must start with "
          + "'/' and have no spaces, e.g. /repos/**");
    }
    return s;
  }

  static HostPattern host(String raw) {
    String s = raw.toLowerCase(Locale.ROOT);
    String allowed = "; allowed: an exact DNS name, *.suffix, an IP address or a CIDR block "
        + "(e.g. api.github.com, *.github.com, 10.0.0.1, 10.0.0.0/8)";
    int slash = s.indexOf('/');
    if (slash >= 0) {
      String ip = s.substring(0, slash);
      int max = IPV4.matcher(ip).matches() ? 32 : isIpv6(ip) ? 128 : -1;
      if (max < 0) {
        throw new IllegalArgumentException("'" + raw + "' is not a valid CIDR block" + allowed);
      }
      int prefix;
      try {
        prefix = (int) integer(s.substring(slash + 1), 0, max);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + raw + "': the prefix length must be 0.." + max);
      }
      return new HostPattern.Cidr(canonicalIp(ip), prefix);
    }
    if (IPV4.matcher(s).matches() || isIpv6(s)) {
      return new HostPattern.Address(canonicalIp(s));
    }
    if (s.startsWith("*.")) {
      String suffix = s.substring(2);
      if (!isDnsName(suffix) || !suffix.contains(".")) {
        throw new IllegalArgumentException("'" + raw + "' is not a valid *.suffix pattern; the "
            + "suffix needs at least two labels, e.g. *.github.com" + allowed);
      }
      return new HostPattern.Suffix(suffix);
    }
    if (!isDnsName(s)) {
      throw new IllegalArgumentException("'" + raw + "' is not a valid host" + allowed);
    }
    return new HostPattern.Name(s);
  }

  private static boolean isDnsName(String s) {
    if (s.isEmpty() || s.length() > 253 || s.endsWith(".")) {
      return false;
    }
    return Arrays.stream(s.split("\\.", -1)).allMatch(l -> LABEL.matcher(l).matches())
        && !s.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }

  private static boolean isIpv6(String s) {
    if (!s.contains(":") || !IPV6.matcher(s).matches()) {
      return false;
    }
    try {
      // a string with ':' is parsed as a literal; no DNS lookup happens
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** The JDK's form: dotted quad, or eight full hex groups for IPv6. */
  private static String canonicalIp(String s) {
    try {
      return java.net.InetAddress.getByName(s).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("'" + s + "' is not an IP address");
    }
  }

  static Image image(String s) {
    String allowed = "; allowed: host, dir:PATH, oci:PATH, docker:NAME[:TAG]";
    if (s.equals("host")) {
      return new Image.Host();
    }
    int colon = s.indexOf(':');
    String kind = colon < 0 ? s : s.substring(0, colon);
    String rest = colon < 0 ? "" : s.substring(colon + 1);
    if (!Set.of("dir", "oci", "docker").contains(kind)) {
      throw new IllegalArgumentException("'" + s + "' is not an image" + allowed);
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("'" + s + "': " + kind + ": needs a "
          + (kind.equals("docker") ? "NAME[:TAG]" : "PATH") + allowed);
    }
    if (!kind.equals("docker")) {
      // resolved against the spec's directory by the binder
      return kind.equals("dir") ? new Image.Dir(java.nio.file.Path.of(rest))
          : new Image.Oci(java.nio.file.Path.of(rest));
    }
    int tagAt = rest.lastIndexOf(':');
    String name = rest;
    String tag = "latest";
    if (tagAt > rest.lastIndexOf('/')) {
      name = rest.substring(0, tagAt);
      tag = rest.substring(tagAt + 1);
    }
    if (!DOCKER_NAME.matcher(name).matches() || !DOCKER_TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("'" + rest + "' is not a Docker image reference; "
          + "allowed: NAME[:TAG] with a lower-case name, e.g. docker:python:3.12-slim");
    }
    return new Image.Docker(name, tag);
  }

  /**
   * A tools {@code match} pattern, as agent.yaml writes it.
   *
   * @throws IllegalArgumentException when it is malformed
   */
  public static ToolMatch parseToolMatch(String s) {
    return toolMatch(s);
  }

  static ToolMatch toolMatch(String s) {
    String shape = "; allowed: org:ORG/team:TEAM/agent:NAME/server:SERVER/tool:TOOL with any "
        + "segment omitted, in that order, each a name, '*' or 'prefix*'";
    String[] values = new String[TOOL_SEGMENTS.size()];
    int last = -1;
    for (String seg : s.split("/", -1)) {
      int colon = seg.indexOf(':');
      String key = colon < 0 ? seg : seg.substring(0, colon);
      int idx = TOOL_SEGMENTS.indexOf(key);
      if (colon < 0 || idx < 0) {
        throw new IllegalArgumentException("'" + seg + "' in '" + s + "' is not a KIND:VALUE "
            + "segment" + shape);
      }
      if (idx <= last) {
        throw new IllegalArgumentException("'" + key + ":' in '" + s + "' is out of order or "
            + "repeated" + shape);
      }
      String value = seg.substring(colon + 1);
      if (!GLOB_SEGMENT.matcher(value).matches()) {
        throw new IllegalArgumentException("'" + value + "' in '" + s + "' is not a valid "
            + key + shape);
      }
      values[idx] = value;
      last = idx;
    }
    return new ToolMatch(s, opt(values[0]), opt(values[1]), opt(values[2]), opt(values[3]),
        opt(values[4]));
  }

  private static java.util.Optional<String> opt(String s) {
    return java.util.Optional.ofNullable(s);
  }

  static <E extends Enum<E> & YamlEnum> E enumValue(Class<E> type, String s) {
    for (E e : type.getEnumConstants()) {
      if (e.yaml().equals(s)) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + s + "' is not allowed; allowed: "
        + allowed(type) + Suggest.didYouMean(s, Arrays.stream(type.getEnumConstants())
            .map(YamlEnum::yaml).toList()));
  }

  static <E extends Enum<E> & YamlEnum> String allowed(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(YamlEnum::yaml)
        .collect(Collectors.joining(", "));
  }
}
