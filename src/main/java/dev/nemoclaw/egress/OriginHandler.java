package dev.nemoclaw.egress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;

/** The origin side of a forwarded HTTP exchange: hands what the origin says to its client. */
final class OriginHandler extends ChannelInboundHandlerAdapter {
  private final ClientHandler client;
  /** What broke the connection (a reset, most often), when it did not simply end. */
  private Optional<Throwable> failure = Optional.empty();

  OriginHandler(ClientHandler client) {
    this.client = client;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failure.isPresent() && msg instanceof LastHttpContent && !(msg instanceof HttpResponse)) {
      // the decoder ends a body delimited by the connection's close when the connection goes;
      // after a reset that is where the body was cut, not where it ended
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse r) {
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        client.onOriginMalformed(ctx.channel(), r.decoderResult().cause());
        return;
      }
      client.onResponseHead(ctx.channel(), r);
    }
    if (msg instanceof HttpContent c) {
      client.onResponseContent(ctx.channel(), c);
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg); // bytes after an upgrade arrive once the relay is in place
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    client.onOriginReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    client.onOriginWritability();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    client.onOriginInactive(ctx.channel(), failure);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failure = Optional.of(cause);
    ctx.close();
  }
}
