package dev.nemoclaw.approval;

import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.RuleText;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Something a sandbox wants that its policy does not cover, waiting for an operator.
 *
 * @param sandbox the sandbox's name
 * @param host a lower-case DNS name or a canonical IP address
 * @param binary the executable that asked, as the sandbox sees it, when known
 * @param pid its pid inside the sandbox, when known
 * @param method HTTP method, when the request shows it (plain HTTP or inspected TLS)
 * @param path URL path, likewise
 * @param detail one line for people, e.g. {@code CONNECT api.example.com:443}
 * @param ssrfClass the destination is loopback, private, link-local or cloud metadata: it can
 *     only be decided on its own ({@link Inbox#decideAll} skips it) and carries a warning
 * @param rule the exact rule an {@code always} approval adds to the policy store
 */
public record ApprovalRequest(
    String sandbox,
    Kind kind,
    String host,
    int port,
    Optional<String> binary,
    OptionalLong pid,
    Optional<String> method,
    Optional<String> path,
    String detail,
    boolean ssrfClass,
    AllowRule rule) {

  public enum Kind {
    EGRESS,
    ESCALATION;

    /** As the protocol writes it: {@code egress}, {@code escalation}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public ApprovalRequest {
    Objects.requireNonNull(sandbox, "sandbox");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(binary, "binary");
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(rule, "rule");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not 1..65535");
    }
    detail = oneLine(Objects.requireNonNull(detail, "detail"));
  }

  /**
   * A held egress request, as the proxy sees it; the {@code always} rule is
   * {@link #alwaysRule(String, int) host and port only}, so it covers whichever binary asks next.
   */
  public static ApprovalRequest egress(String sandbox, EgressRequest r, OptionalLong pid,
      boolean ssrfClass) {
    String where = hostPort(r.host(), r.port());
    String detail = r.method().isPresent()
        ? r.method().get() + " http://" + where + r.path().orElse("/")
        : "CONNECT " + where;
    return new ApprovalRequest(sandbox, Kind.EGRESS, r.host(), r.port(), r.binary(), pid,
        r.method(), r.path(), detail, ssrfClass, alwaysRule(r.host(), r.port()));
  }

  /**
   * {@code {host: HOST, ports: [PORT]}}.
   *
   * @throws IllegalArgumentException when {@code host} is not a valid host name or address
   */
  public static AllowRule alwaysRule(String host, int port) {
    return new AllowRule(HostPattern.parse(host), List.of(port), List.of(), List.of(), List.of(),
        false);
  }

  /** The deny rule a {@code deny-always} decision adds: the same host, ports and conditions. */
  public DenyRule denyRule() {
    return new DenyRule(rule.host(), rule.ports(), rule.methods(), rule.paths(),
        rule.binaries());
  }

  /** {@link #rule()} as YAML flow text, e.g. {@code {host: api.example.com, ports: [443]}}. */
  public String ruleText() {
    return RuleText.flow(rule);
  }

  /** {@code host:port}, IPv6 in brackets. */
  public String destination() {
    return hostPort(host, port);
  }

  /** What identical requests share: they coalesce into one item, and grants apply by it. */
  Key key() {
    return new Key(sandbox, kind, host, port, binary);
  }

  record Key(String sandbox, Kind kind, String host, int port, Optional<String> binary) {}

  private static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\p{Cntrl}]+", " ").strip();
  }
}
