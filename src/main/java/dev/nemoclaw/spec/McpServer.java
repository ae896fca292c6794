package dev.nemoclaw.spec;

import java.util.Locale;

/**
 * One entry of agent.yaml's {@code mcpServers}: MCP calls crossing the proxy to {@code host} are
 * governed as calls to server {@code name}, so tools rules say {@code server:jira} rather than
 * the host. {@code host} is a DNS name, an IP address, or {@code *.suffix} (subdomains).
 */
public record McpServer(String name, HostPattern host) {
  /** Whether MCP traffic to {@code destination} (a lower-case host) belongs to this server. */
  public boolean covers(String destination) {
    String d = destination.toLowerCase(Locale.ROOT);
    return switch (host) {
      case HostPattern.Name n -> d.equals(n.name());
      case HostPattern.Suffix s -> d.endsWith("." + s.suffix());
      case HostPattern.Address a -> d.equals(a.address());
      case HostPattern.Cidr c -> false;
    };
  }
}
