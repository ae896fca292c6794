package dev.nemoclaw.egress;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;

/** What a connection's handlers need from the proxy that owns them. */
interface ProxyRuntime {
  Gatekeeper gate();

  ProxyLimits limits();

  Class<? extends SocketChannel> socketChannelClass();

  /** Register a channel so that closing the proxy closes it. */
  void track(Channel channel);
}
