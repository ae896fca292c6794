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

  /** Virtual threads, for work that must not hold up an event loop (scanning a body). */
  ExecutorService blocking();
}
