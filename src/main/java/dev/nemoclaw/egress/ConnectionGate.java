package dev.nemoclaw.egress;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts client connections for the whole life of each one (it stays in the pipeline when the
 * HTTP handlers give way to a raw relay) and answers 503 past the limit.
 */
final class ConnectionGate extends ChannelInboundHandlerAdapter {
  private final AtomicInteger open;
  private final int max;
  private boolean rejected;

  ConnectionGate(AtomicInteger open, int max) {
    this.open = open;
    this.max = max;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (open.incrementAndGet() > max) {
      rejected = true;
      FullHttpResponse r = Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
          "too_many_connections",
          "the egress proxy already has " + max + " connections open (its limit); retry later");
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    open.decrementAndGet();
    if (!rejected) {
      ctx.fireChannelInactive();
    }
  }
}
