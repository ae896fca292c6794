package dev.nemoclaw.egress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.Optional;

/**
 * Raw bytes one way, for a CONNECT tunnel or an upgraded (WebSocket) connection. Buffers are
 * passed through, not copied. Backpressure: when the peer cannot take more, this side stops
 * reading until the peer drains, so nothing piles up in memory.
 */
final class Relay extends ChannelInboundHandlerAdapter {

  /** Shared by the two halves of one tunnel; both halves run on the same event loop. */
  static final class Tunnel {
    final Gatekeeper gate;
    final Peer peer;
    final Destination destination;
    final Optional<String> method;
    final Optional<String> path;
    final long startNanos;
    long up;
    long down;
    private boolean ended;

    Tunnel(Gatekeeper gate, Peer peer, Destination destination, Optional<String> method,
        Optional<String> path, long startNanos, long up, long down) {
      this.gate = gate;
      this.peer = peer;
      this.destination = destination;
      this.method = method;
      this.path = path;
      this.startNanos = startNanos;
      this.up = up;
      this.down = down;
    }

    void end(String outcome) {
      if (ended) {
        return;
      }
      ended = true;
      gate.emit(EgressEvent.Ended.since(startNanos, peer, destination, method, path, outcome, up,
          down));
    }
  }

  private final Channel peerChannel;
  private final Tunnel tunnel;
  private final boolean upstream; // client to origin

  Relay(Channel peerChannel, Tunnel tunnel, boolean upstream) {
    this.peerChannel = peerChannel;
    this.tunnel = tunnel;
    this.upstream = upstream;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    int n = buf.readableBytes();
    if (upstream) {
      tunnel.up += n;
    } else {
      tunnel.down += n;
    }
    peerChannel.write(buf, peerChannel.voidPromise());
    if (!peerChannel.isWritable()) {
      // pause first: the flush may drain at once, and the writability event then resumes
      ctx.channel().config().setAutoRead(false);
      peerChannel.flush();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peerChannel.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // this side drained: its peer, which writes here, may read again
    peerChannel.config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    tunnel.end(upstream ? "client_closed" : "origin_closed");
    closeAfterFlush(peerChannel);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      tunnel.end("idle_timeout");
      ctx.close();
      peerChannel.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      tunnel.end("error: " + cause);
    }
    ctx.close();
  }

  static void closeAfterFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
