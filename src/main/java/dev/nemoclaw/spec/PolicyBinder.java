package dev.nemoclaw.spec;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Binds {@code privacy} and {@code tools}: what is scanned and which tool calls may run. */
final class PolicyBinder {
  /**
   * Matching time is linear in the text times the compiled program's size; nested counted
   * repetitions multiply that size ({@code ((a{30}){30}){30}} is ~29 000 instructions), so it is
   * bounded here rather than discovered as a slow proxy.
   */
  private static final int MAX_REGEX_PROGRAM = 10_000;

  private final Bind b;

  PolicyBinder(Bind b) {
    this.b = b;
  }

  Privacy privacy(Optional<YNode> node) {
    Optional<YNode.Map> section = node.flatMap(n -> b.map(n, "privacy", Shape.PRIVACY));
    if (section.isEmpty()) {
      return Defaults.PRIVACY_OFF;
    }
    YNode.Map m = section.get();
    String f = "privacy";
    Set<String> names = new HashSet<>();
    List<Detector> detectors = b.list(m, f, "detectors", (n, field) -> detector(n, field, names))
        .orElse(Defaults.DETECTORS);
    List<PrivacyScope> scope = b.scalars(m, f, "scope", s -> Values.enumValue(PrivacyScope.class,
        s)).orElse(Defaults.PRIVACY_SCOPE);
    return new Privacy(detectors,
        b.enumField(m, f, "action", PrivacyAction.class).orElse(Defaults.PRIVACY_ACTION),
        scope.stream().distinct().toList());
  }

  private Optional<Detector> detector(YNode n, String f, Set<String> names) {
    Optional<Detector> d;
    YNode nameAt = n;
    if (n instanceof YNode.Map) {
      d = b.map(n, f, Shape.CUSTOM_DETECTOR).flatMap(m -> {
        b.require(m, f, "name", "employee-id");
        b.require(m, f, "regex", "\"EMP-[0-9]{6}\"");
        Optional<String> name = b.field(m, f, "name", Values::name);
        name.filter(s -> Values.allowed(BuiltinDetector.class).contains(s))
            .ifPresent(s -> b.error(Bind.get(m, "name").orElseThrow(), Bind.path(f, "name"),
                "'" + s + "' is a built-in detector; give the custom one another name"));
        Optional<String> regex = b.field(m, f, "regex", PolicyBinder::regex);
        return name.flatMap(nm -> regex.map(rx -> new Detector.Custom(nm, rx)));
      });
      nameAt = d.isPresent() ? Bind.get((YNode.Map) n, "name").orElse(n) : n;
    } else {
      d = b.value(n, f, s -> new Detector.Builtin(Values.enumValue(BuiltinDetector.class, s)));
    }
    if (d.isPresent() && !names.add(d.get().name())) {
      b.error(nameAt, f, "detector '" + d.get().name() + "' is listed twice");
      return Optional.empty();
    }
    return d;
  }

  private static String regex(String s) {
    Pattern p;
    try {
      p = Pattern.compile(s);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("not a valid regular expression (RE2 syntax, which has "
          + "no backreferences or lookaround): "
          + e.getMessage().replaceFirst("^error parsing regexp: ", ""));
    }
    if (p.programSize() > MAX_REGEX_PROGRAM) {
      throw new IllegalArgumentException("regular expression too large: it compiles to "
          + p.programSize() + " instructions, at most " + MAX_REGEX_PROGRAM
          + " are allowed (nested counted repetitions multiply)");
    }
    return s;
  }

  List<ToolRule> tools(Optional<YNode> node) {
    return node.flatMap(n -> b.items(n, "tools", this::toolRule)).orElse(List.of());
  }

  private Optional<ToolRule> toolRule(YNode n, String f) {
    return b.map(n, f, Shape.TOOL_RULE).flatMap(m -> {
      b.require(m, f, "match", "\"server:jira/tool:read_*\"");
      b.require(m, f, "action", Values.allowed(ToolAction.class).replace(", ", " | "));
      Optional<ToolMatch> match = b.field(m, f, "match", Values::toolMatch);
      Optional<ToolAction> action = b.enumField(m, f, "action", ToolAction.class);
      Optional<RiskLevel> risk = b.enumField(m, f, "risk", RiskLevel.class);
      Optional<YNode> rateNode = Bind.get(m, "rateLimit");
      Optional<RateLimit> rate = rateNode.flatMap(r -> InferenceBinder.rateLimit(b, r,
          Bind.path(f, "rateLimit")));
      if (action.isPresent()) {
        boolean limited = action.get() == ToolAction.RATE_LIMIT;
        if (limited && rateNode.isEmpty()) {
          b.error(m, Bind.path(f, "rateLimit"), "required with action rate-limit, e.g. "
              + "rateLimit: {requests: 10, per: 1m}");
        } else if (!limited && rateNode.isPresent()) {
          b.error(rateNode.get(), Bind.path(f, "rateLimit"), "only allowed with action "
              + "rate-limit");
        }
      }
      return match.flatMap(mt -> action.map(a -> new ToolRule(mt, a, rate, risk)));
    });
  }

  List<McpServer> mcpServers(Optional<YNode> node) {
    List<McpServer> out = node.flatMap(n -> b.items(n, "mcpServers", this::mcpServer))
        .orElse(List.of());
    Set<String> names = new HashSet<>();
    node.filter(n -> n instanceof YNode.Seq).ifPresent(n -> {
      for (McpServer s : out) {
        if (!names.add(s.name())) {
          b.error(n, "mcpServers", "server name '" + s.name() + "' is given twice");
        }
      }
    });
    return out;
  }

  private Optional<McpServer> mcpServer(YNode n, String f) {
    return b.map(n, f, Shape.MCP_SERVER).flatMap(m -> {
      b.require(m, f, "name", "jira");
      b.require(m, f, "host", "mcp.atlassian.example");
      Optional<String> name = b.field(m, f, "name", PolicyBinder::serverName);
      Optional<HostPattern> host = b.field(m, f, "host", PolicyBinder::serverHost);
      return name.flatMap(nm -> host.map(h -> new McpServer(nm, h)));
    });
  }

  private static String serverName(String s) {
    if (!s.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("'" + s + "' is not a server name; allowed: letters,"
          + " digits, '_', '.', '-' (what server: segments of tools rules match)");
    }
    return s;
  }

  private static HostPattern serverHost(String s) {
    HostPattern h = Values.host(s);
    if (h instanceof HostPattern.Cidr) {
      throw new IllegalArgumentException("'" + s + "' is an address block; an MCP server is a"
          + " DNS name, an IP address or *.suffix");
    }
    return h;
  }

  List<ToolRisk> toolRisk(Optional<YNode> node) {
    return node.flatMap(n -> b.items(n, "toolRisk", this::toolRiskEntry)).orElse(List.of());
  }

  private Optional<ToolRisk> toolRiskEntry(YNode n, String f) {
    return b.map(n, f, Shape.TOOL_RISK).flatMap(m -> {
      b.require(m, f, "match", "\"tool:deploy_*\"");
      b.require(m, f, "level", "low | medium | high");
      Optional<ToolMatch> match = b.field(m, f, "match", PolicyBinder::riskMatch);
      Optional<RiskLevel> level = b.enumField(m, f, "level", RiskLevel.class);
      return match.flatMap(mt -> level.map(l -> new ToolRisk(mt, l)));
    });
  }

  /** {@code deploy_*} alone is a tool pattern; otherwise {@code server:S/tool:T} segments only. */
  static ToolMatch riskMatch(String s) {
    ToolMatch m = Values.toolMatch(s.contains(":") ? s : "tool:" + s);
    if (m.org().isPresent() || m.team().isPresent() || m.agent().isPresent()) {
      throw new IllegalArgumentException("'" + s + "' names an org, team or agent; a risk belongs"
          + " to the tool: allowed: TOOL, or server:SERVER/tool:TOOL, each a name, '*' or"
          + " 'prefix*'");
    }
    return m;
  }
}
