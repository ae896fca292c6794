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
    ESCALATION,
    /** A tool call a {@code require-approval} rule holds (docs/tools.md). */
    TOOL;

    /** As the protocol writes it: {@code egress}, {@code escalation}, {@code tool}. */
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

  /** Where tool requests point: they are calls to policy.local, never a destination. */
  public static final String TOOL_HOST = "policy.local";

  /**
   * A tool call held for an operator. {@code path} is {@code /v1/tools/SERVER/TOOL}: grants
   * ({@code session}) cover later calls of the same tool; {@code detail} shows the tool, the
   * arguments' preview (masked by the caller) and the call id, so each call is its own item.
   * Its {@code always} rule is never written: the supervisor's writer refuses policy.local.
   */
  public static ApprovalRequest tool(String sandbox, String server, String tool,
      String argumentsPreview, String callId, Optional<String> binary, OptionalLong pid) {
    return new ApprovalRequest(sandbox, Kind.TOOL, TOOL_HOST, 80, binary, pid, Optional.empty(),
        Optional.of("/v1/tools/" + server + "/" + tool), "tool " + server + "/" + tool + " "
        + argumentsPreview + " (call " + callId + ")", false, alwaysRule(TOOL_HOST, 80));
  }

  /** For a tool request: {@code SERVER/TOOL}. */
  public Optional<String> toolName() {
    return kind == Kind.TOOL ? path.map(p -> p.substring("/v1/tools/".length()))
        : Optional.empty();
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
    return new Key(sandbox, kind, kind == Kind.TOOL ? host + path.orElse("") : host, port,
        binary);
  }

  /**
   * What identical held requests share: {@link #key()}, except that each tool call is held on
   * its own (concurrent calls of one tool may carry different arguments, and the operator
   * decides on the ones shown).
   */
  Key holdKey() {
    return kind == Kind.TOOL ? new Key(sandbox, kind, host + path.orElse("") + " " + detail,
        port, binary) : key();
  }

  record Key(String sandbox, Kind kind, String host, int port, Optional<String> binary) {}

  private static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\p{Cntrl}]+", " ").strip();
  }
}
