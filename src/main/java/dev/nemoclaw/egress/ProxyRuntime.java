package dev.nemoclaw.egress;

import dev.nemoclaw.privacy.PrivacyGuard;
import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/** What a connection's handlers need from the proxy that owns them. */
interface ProxyRuntime {
  Gatekeeper gate();

  ProxyLimits limits();

  Class<? extends SocketChannel> socketChannelClass();

  /** Register a channel so that closing the proxy closes it. */
  void track(Channel channel);

  /** A fresh request codec with the proxy's limits (a connection that starts over inside TLS). */
  ProxyServerCodec newCodec();

  /** TLS to the origins of inspected tunnels; present when the proxy has a sandbox CA. */
  Optional<SslContext> upstreamTls();

  PrivacyGuard privacy();

  /**
   * Counts {@code bytes} more of request bodies held for privacy screening, all connections
   * together, unless that would pass the budget (then false): many large bodies at once must not
   * run the supervisor out of memory.
   */
  boolean holdForScan(int bytes);

  void releaseScan(long bytes);

  /** MCP tool governance ({@link ToolGate#allowAll()} unless the proxy was given a gate). */
  ToolGate tools();

  /** Whether MCP requests are looked into at all: false with the default allow-all gate. */
  default boolean governsTools() {
    return tools() != ToolGate.allowAll();
  }

  /** Responses of the older MCP SSE transport waiting for their stream ({@link McpSessions}). */
  McpSessions mcpSessions();

  /** Virtual threads, for work that must not hold up an event loop (scanning a body). */
  ExecutorService blocking();
}
