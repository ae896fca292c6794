package dev.nemoclaw.egress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Netty's HTTP/1.1 server codec with one addition the stock one lacks: requests with obs-fold
 * (a header line continued by leading whitespace) are rejected instead of silently unfolded, as
 * RFC 9112 §5.2 permits, so no two parsers along the way can disagree about a header. Framing
 * stays Netty's (CL+TE, duplicate or invalid Content-Length, non-chunked final coding: all refused
 * by the decoder). The encoder pairs responses with request methods, as HttpServerCodec does, so
 * a response to HEAD carries no body.
 */
final class ProxyServerCodec
    extends CombinedChannelDuplexHandler<ProxyServerCodec.Decoder, ProxyServerCodec.Encoder> {

  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

  ProxyServerCodec(HttpDecoderConfig config) {
    init(new Decoder(config), new Encoder());
  }

  /**
   * Whether part of a request (or of its headers) has arrived but not all of it. Blank lines
   * before a request line count: the decoder skips them, but a client that drips them is as
   * slow as one that drips a header.
   */
  boolean midRequest() {
    return inboundHandler().midRequest();
  }

  final class Decoder extends HttpRequestDecoder {
    // the obs-fold scanner's position in the header block of the message being decoded
    private static final int START = 0;
    private static final int IN_LINE = 1;
    private static final int LINE_START = 2;
    private static final int CR_AT_START = 3;
    private static final int HEADERS_DONE = 4;
    private static final int FAILED = 5;

    private int scan = START;
    private int ahead; // bytes past readerIndex already scanned
    private boolean begun; // bytes arrived since the last request's head was decoded

    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    boolean midRequest() {
      return begun || scan == IN_LINE || scan == LINE_START || scan == CR_AT_START
          || scan == HEADERS_DONE || internalBuffer().isReadable();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      if (scan == FAILED) {
        buffer.skipBytes(buffer.readableBytes());
        return;
      }
      if (scan != HEADERS_DONE && buffer.isReadable()) {
        begun = true;
      }
      if (scan != HEADERS_DONE && foldAhead(buffer)) {
        scan = FAILED;
        begun = false;
        buffer.skipBytes(buffer.readableBytes());
        HttpMessage bad = createInvalidMessage();
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
            "obsolete line folding (a header line starting with whitespace) is not accepted")));
        methods.add(((HttpRequest) bad).method());
        out.add(bad); // a FullHttpRequest: head and end in one
        return;
      }
      int before = buffer.readerIndex();
      int oldSize = out.size();
      super.decode(ctx, buffer, out);
      ahead = Math.max(0, ahead - (buffer.readerIndex() - before));
      for (int i = oldSize; i < out.size(); i++) {
        Object o = out.get(i);
        if (o instanceof HttpRequest r) {
          methods.add(r.method());
          begun = false;
        }
        if (o instanceof LastHttpContent) {
          scan = START;
          ahead = 0;
        }
      }
    }

    /** Scans not-yet-scanned header bytes; true when a folded line is found. */
    private boolean foldAhead(ByteBuf buffer) {
      int i = buffer.readerIndex() + ahead;
      int end = buffer.writerIndex();
      for (; i < end && scan != HEADERS_DONE; i++) {
        byte c = buffer.getByte(i);
        switch (scan) {
          case START -> {
            if (c != '\r' && c != '\n') {
              scan = IN_LINE;
            }
          }
          case IN_LINE -> {
            if (c == '\n') {
              scan = LINE_START;
            }
          }
          case LINE_START, CR_AT_START -> {
            if (c == '\n') {
              scan = HEADERS_DONE;
            } else if (c == '\r' && scan == LINE_START) {
              scan = CR_AT_START;
            } else if (scan == LINE_START && (c == ' ' || c == '\t')) {
              return true;
            } else {
              scan = IN_LINE;
            }
          }
          default -> {}
        }
      }
      ahead = i - buffer.readerIndex();
      return false;
    }
  }

  final class Encoder extends HttpResponseEncoder {
    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        return super.isContentAlwaysEmpty(msg);
      }
      HttpMethod m = methods.poll();
      return HttpMethod.HEAD.equals(m) || super.isContentAlwaysEmpty(msg);
    }
  }
}
