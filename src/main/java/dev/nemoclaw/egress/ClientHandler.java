package dev.nemoclaw.egress;

import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.PrivacyScope;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: reads requests with Netty's codec, asks the {@link Gatekeeper}, and
 * forwards (absolute-form HTTP, keeping the origin connection for the next request to the same
 * host:port) or tunnels (CONNECT, and WebSocket after the origin's 101). Requests are handled one
 * at a time, in order; while one is decided or answered the connection does not read, so a client
 * that pipelines is held back rather than buffered. Everything here runs on the client channel's
 * event loop, origin channels included, so there are no locks.
 *
 * <p>A CONNECT the proxy answers itself (an inspected tunnel, an internal service) gives the
 * connection an {@link Implicit} destination: after the 200 (and the TLS handshake, for an
 * inspected tunnel) its requests come in origin-form and are handled exactly as absolute-form
 * requests for that destination, each decided again with its method and path.
 *
 * <p>With privacy screening on, a request body that can be read as text is collected whole
 * (COLLECTING), scanned off the event loop (SCANNING), and only then sent on, masked or not.
 *
 * <p>Waiting on the client has deadlines ({@link ProxyLimits#headerTimeout()},
 * {@link ProxyLimits#bodyTimeout()}): from the first byte of a request to the end of its head
 * (IDLE with part of a request in the codec), over the dropped rest of a refused request's body
 * (DISCARDING), and over a collected body (COLLECTING). One timer at a time, on the event loop,
 * cancelled as the state moves on.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private enum State {
    IDLE, DECIDING, COLLECTING, SCANNING, CONNECTING, STREAMING, AWAIT_RESPONSE, DISCARDING,
    TUNNEL_PENDING, DONE
  }

  /** How origin responses are decoded; the codec copies it, nothing changes it. */
  private static final HttpDecoderConfig ORIGIN_DECODER = new HttpDecoderConfig()
      .setMaxInitialLineLength(65536)
      .setMaxHeaderSize(65536)
      .setMaxChunkSize(1 << 20);

  /** The most of a refused request's body read and dropped to keep the connection. */
  private static final long DISCARD_LIMIT = 64 * 1024;

  /**
   * Where every request of this connection goes; {@code tls}: the client speaks TLS to us, so the
   * requests go on over TLS too (to an origin; an internal service is plain HTTP always).
   */
  private record Implicit(Destination destination, boolean tls) {}

  /** A request's destination and its target in origin-form (path and query). */
  private record Target(Destination destination, String target) {}

  /** One request and its response, or one tunnel. */
  private static final class Exchange {
    final Destination destination;
    final Optional<String> method;
    final Optional<String> path;
    HttpRequest request; // absent for CONNECT; a full request once a screened body is in it
    final boolean tunnel;
    final boolean upgrade; // a WebSocket handshake
    final long startNanos = System.nanoTime();
    boolean keepAlive;
    boolean requestDone;
    boolean responseStarted;
    boolean responseDone;
    boolean informational;
    boolean switching;
    boolean originKeepAlive;
    long up;
    long down;
    int connectPort;
    boolean internal;
    boolean tls; // to the origin: an inspected tunnel's request
    Gatekeeper.Outcome.Go go; // while the body is collected and scanned
    CompositeByteBuf body; // the body being collected for screening
    long held; // bytes of it counted against the proxy's screening budget until the end
    boolean screened;
    boolean mcp; // the body is collected for MCP governance (a JSON POST, a tool gate set)
    McpReply reply; // what the response to a governed MCP request needs
    McpReply.Sse sse; // an SSE response re-written event by event
    HttpResponse heldHead; // a JSON response held until its body is whole, to be re-written
    CompositeByteBuf heldBody;
    boolean replyUnreadable; // held only to be refused: compressed

    Exchange(Destination d, Optional<String> method, Optional<String> path, HttpRequest request,
        boolean tunnel, boolean upgrade, boolean keepAlive) {
      this.destination = d;
      this.method = method;
      this.path = path;
      this.request = request;
      this.tunnel = tunnel;
      this.upgrade = upgrade;
      this.keepAlive = keepAlive;
    }
  }

  private final ProxyRuntime rt;
  private final Peer peer;
  private ProxyServerCodec codec;
  private Implicit implicit;
  private final ArrayDeque<Object> inbox = new ArrayDeque<>();
  private final List<ByteBuf> tunnelEarly = new ArrayList<>();
  private Channel client;
  private State state = State.IDLE;
  private Exchange ex;
  private Channel origin;
  private String originKey;
  private ScheduledFuture<?> deadline;

  ClientHandler(ProxyRuntime rt, Peer peer, ProxyServerCodec codec) {
    this.rt = rt;
    this.peer = peer;
    this.codec = codec;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    client = ctx.channel();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    disarm(); // replaced by a relay: nothing here waits on the client any more
  }

  // ---------------------------------------------------------------- client side

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.TUNNEL_PENDING) {
      if (msg instanceof ByteBuf b && b.isReadable()) {
        tunnelEarly.add(b); // bytes the client sent right behind its CONNECT: bounded by one read
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (state == State.DONE) {
      ReferenceCountUtil.release(msg);
      return;
    }
    inbox.add(msg);
    drain();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    watchHead(); // bytes came that did not make a whole head
    ctx.fireChannelReadComplete();
  }

  private void drain() {
    boolean wrote = false;
    while (!inbox.isEmpty()) {
      if (state == State.IDLE) {
        Object m = inbox.poll();
        if (m instanceof HttpRequest r) {
          startRequest(r);
        } else {
          ReferenceCountUtil.release(m);
        }
      } else if (state == State.STREAMING) {
        Object m = inbox.poll();
        if (m instanceof HttpContent c) {
          forwardContent(c);
          wrote = true;
        } else {
          ReferenceCountUtil.release(m);
        }
      } else if (state == State.COLLECTING) {
        Object m = inbox.poll();
        if (m instanceof HttpContent c) {
          collect(c);
        } else {
          ReferenceCountUtil.release(m);
        }
      } else if (state == State.DISCARDING) {
        Object m = inbox.poll();
        ReferenceCountUtil.release(m);
        if (m instanceof HttpRequest || m instanceof HttpContent c
            && c.decoderResult().isFailure()) {
          state = State.DONE; // not the body we expected: nothing after it can be trusted
          client.close();
        } else if (m instanceof LastHttpContent) {
          disarm();
          state = State.IDLE;
        }
      } else if (state == State.DONE) {
        releaseInbox();
      } else {
        break;
      }
    }
    if (wrote && origin != null) {
      origin.flush();
    }
    updateRead();
    watchHead();
  }

  private void updateRead() {
    if (state == State.TUNNEL_PENDING || !client.isActive()) {
      return;
    }
    boolean want = switch (state) {
      case IDLE, COLLECTING, DISCARDING -> inbox.isEmpty();
      case STREAMING -> inbox.isEmpty() && origin != null && origin.isWritable();
      default -> false;
    };
    client.config().setAutoRead(want);
  }

  private void startRequest(HttpRequest r) {
    disarm(); // the head is here
    if (r.decoderResult().isFailure()) {
      ReferenceCountUtil.release(r);
      rejectMalformed(r.decoderResult().cause());
      return;
    }
    if (HttpMethod.CONNECT.equals(r.method())) {
      ReferenceCountUtil.release(r);
      if (implicit != null) {
        reject(HttpResponseStatus.BAD_REQUEST, "bad_request", "this connection already is a"
            + " tunnel to " + implicit.destination().authority() + "; CONNECT inside it is not"
            + " supported");
        return;
      }
      Destination d;
      try {
        d = Destination.ofAuthority(r.uri(), 443);
      } catch (Destination.InvalidHost e) {
        reject(HttpResponseStatus.BAD_REQUEST, "bad_request",
            "CONNECT needs host:port; " + e.getMessage());
        return;
      }
      beginTunnel(d);
      return;
    }
    Target t = implicit != null ? originForm(r.uri()) : absoluteForm(r.uri());
    if (t == null) {
      ReferenceCountUtil.release(r); // refused already
      return;
    }
    Destination d = t.destination();
    int q = t.target().indexOf('?');
    String path = q >= 0 ? t.target().substring(0, q) : t.target();
    r.setUri(t.target());
    boolean upgrade = isWebSocketUpgrade(r.headers());
    ex = new Exchange(d, Optional.of(r.method().name()), Optional.of(path), r, false, upgrade,
        HttpUtil.isKeepAlive(r));
    ex.requestDone = r instanceof LastHttpContent;
    state = State.DECIDING;
    decide(origin != null && origin.isActive() && originKey(d).equals(originKey));
  }

  /** Asks the gatekeeper about the current exchange; the outcome comes back on the event loop. */
  private void decide(boolean reuse) {
    Exchange mine = ex;
    rt.gate().decide(ex.destination, ex.method, ex.path, peer, reuse)
        .whenComplete((outcome, err) -> client.eventLoop().execute(() -> decided(mine, outcome)));
  }

  /** An ordinary proxy request: {@code http://host[:port]/path}; null after refusing it. */
  private Target absoluteForm(String uri) {
    String lower = uri.length() >= 8 ? uri.substring(0, 8).toLowerCase(Locale.ROOT) : uri;
    if (!lower.startsWith("http://")) {
      if (lower.startsWith("https://")) {
        reject(HttpResponseStatus.BAD_REQUEST, "bad_request",
            "https:// URLs go through a CONNECT tunnel (set HTTPS_PROXY to this proxy)");
      } else {
        reject(HttpResponseStatus.BAD_REQUEST, "not_a_web_server",
            "this is nemoclaw's egress proxy, not a web server: send requests in absolute form "
                + "(GET http://host/path) or use CONNECT host:port; HTTP_PROXY and HTTPS_PROXY "
                + "point clients here");
      }
      return null;
    }
    String rest = uri.substring(7);
    int cut = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    String target = withoutFragment(rest.substring(cut));
    if (target.isEmpty() || target.startsWith("?")) {
      target = "/" + target;
    }
    try {
      return new Target(Destination.ofAuthority(rest.substring(0, cut), 80), target);
    } catch (Destination.InvalidHost e) {
      reject(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
      return null;
    }
  }

  /** A request inside a tunnel the proxy answered: {@code /path}; null after refusing it. */
  private Target originForm(String uri) {
    if (!uri.startsWith("/")) {
      reject(HttpResponseStatus.BAD_REQUEST, "bad_request", "inside the tunnel to "
          + implicit.destination().authority() + " requests are in origin-form (GET /path)");
      return null;
    }
    return new Target(implicit.destination(), withoutFragment(uri));
  }

  private static String withoutFragment(String target) {
    int hash = target.indexOf('#');
    return hash >= 0 ? target.substring(0, hash) : target;
  }

  /**
   * Which kept origin connection a request may reuse: the same destination, reached the same way
   * (an inspected tunnel's origin connection speaks TLS).
   */
  private String originKey(Destination d) {
    return (implicit != null && implicit.tls() ? "tls " : "") + d.authority();
  }

  private static boolean isWebSocketUpgrade(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  private void beginTunnel(Destination d) {
    ex = new Exchange(d, Optional.empty(), Optional.empty(), null, true, false, false);
    state = State.TUNNEL_PENDING;
    client.config().setAutoRead(false);
    // From here on the client speaks raw bytes (TLS, usually): the HTTP decoder goes now, and what
    // it already holds comes back as a buffer. Our answer to the CONNECT still needs encoding.
    client.pipeline().replace(codec, "response-encoder", new HttpResponseEncoder());
    decide(false);
  }

  private void decided(Exchange which, Gatekeeper.Outcome outcome) {
    if (which != ex || !client.isActive()) {
      return;
    }
    Destination d = ex.destination;
    switch (outcome) {
      case Gatekeeper.Outcome.Refuse r -> answer(Responses.denied(d, r.rule(), r.reason(),
          r.hint()), null);
      case Gatekeeper.Outcome.Unresolvable u -> answer(Responses.error(
          HttpResponseStatus.BAD_GATEWAY, "unresolvable_host", d, u.reason()), "unresolvable");
      case Gatekeeper.Outcome.Terminate t -> terminate(t);
      case Gatekeeper.Outcome.Go go -> {
        ex.connectPort = go.port();
        ex.internal = go.internal();
        ex.tls = implicit != null && implicit.tls() && !go.internal();
        if (ex.tunnel || ex.screened || !screen(go)) {
          proceed(go);
        }
      }
    }
  }

  private void proceed(Gatekeeper.Outcome.Go go) {
    if (!ex.tunnel && go.addresses().isEmpty() && origin != null && origin.isActive()) {
      sendHead();
    } else if (go.addresses().isEmpty()) {
      // the kept connection went away while we decided: decide again, resolving this time
      state = State.DECIDING;
      decide(false);
    } else {
      connect(go.addresses(), 0);
    }
  }

  /**
   * Our own answer to the current request. The connection stays open when the client wants that
   * and the request has been read to its end (so the next request starts where it should).
   */
  private void answer(FullHttpResponse response, String endOutcome) {
    boolean complete = ex.requestDone || inboxHasLast();
    boolean keep = !ex.tunnel && ex.keepAlive && (complete || smallRest());
    if (endOutcome != null) {
      end(endOutcome);
    }
    if (ex.tunnel) {
      releaseEarly();
    }
    if (!keep) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      client.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      state = State.DONE;
      clearExchange();
      releaseInbox();
      return;
    }
    client.writeAndFlush(response);
    // drop the refused request's body (what is left of it comes before the next request)
    boolean rest = !ex.requestDone;
    while (rest && !inbox.isEmpty()) {
      Object m = inbox.poll();
      ReferenceCountUtil.release(m);
      rest = !(m instanceof LastHttpContent);
    }
    clearExchange();
    state = rest ? State.DISCARDING : State.IDLE;
    drain();
  }

  /**
   * Whether the part of a refused request's body still to come is small enough to read and drop,
   * keeping the connection: closing with unread bytes would make the kernel reset it, and the
   * client could lose our answer (a client that writes head and body apart does this, and more
   * often inside TLS, where they are separate records).
   */
  private boolean smallRest() {
    long length = ex.request == null ? -1 : HttpUtil.getContentLength(ex.request, -1L);
    return length >= 0 && length <= DISCARD_LIMIT;
  }

  private boolean inboxHasLast() {
    for (Object m : inbox) {
      if (m instanceof LastHttpContent) {
        return true;
      }
    }
    return false;
  }

  private void reject(HttpResponseStatus status, String error, String reason) {
    FullHttpResponse r = Responses.error(status, error, reason);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    client.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    state = State.DONE;
    releaseInbox();
  }

  private void rejectMalformed(Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      reject(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
          "the request's header block is larger than " + rt.limits().maxHeaderSize()
              + " bytes");
    } else if (cause instanceof TooLongHttpLineException) {
      reject(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request_line_too_long",
          "the request line is longer than " + rt.limits().maxInitialLineLength() + " bytes");
    } else {
      reject(HttpResponseStatus.BAD_REQUEST, "bad_request",
          "malformed HTTP request: " + cause.getMessage());
    }
  }

  // ---------------------------------------------------------------- connecting

  private void connect(List<InetAddress> addresses, int index) {
    state = State.CONNECTING;
    if (origin != null) {
      Channel old = origin;
      origin = null;
      originKey = null;
      old.close();
    }
    Exchange mine = ex;
    Bootstrap b = new Bootstrap()
        .group(client.eventLoop())
        .channel(rt.socketChannelClass())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, rt.limits().connectTimeout().toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.AUTO_READ, !ex.tunnel)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, EgressProxy.WATER_MARK)
        .option(ChannelOption.RCVBUF_ALLOCATOR, EgressProxy.RECV_ALLOCATOR)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            rt.track(ch);
            if (mine.tls) {
              SslHandler tls = rt.upstreamTls().orElseThrow().newHandler(ch.alloc(),
                  mine.destination.host(), mine.destination.port());
              tls.setHandshakeTimeoutMillis(rt.limits().connectTimeout().toMillis());
              ch.pipeline().addLast("tls", tls);
            }
            if (!mine.tunnel) {
              ch.pipeline().addLast("http",
                  new HttpClientCodec(ORIGIN_DECODER, false, false));
              ch.pipeline().addLast("origin", new OriginHandler(ClientHandler.this));
            }
          }
        });
    InetSocketAddress where = new InetSocketAddress(addresses.get(index), ex.connectPort);
    ChannelFuture f = b.connect(where);
    f.addListener((ChannelFutureListener) done -> {
      if (mine != ex || !client.isActive()) {
        done.channel().close();
        return;
      }
      if (done.isSuccess()) {
        if (mine.tls) {
          done.channel().pipeline().get(SslHandler.class).handshakeFuture()
              .addListener(hs -> originHandshake(mine, done.channel(), hs.cause()));
        } else {
          originReady(done.channel());
        }
        return;
      }
      if (index + 1 < addresses.size()) {
        connect(addresses, index + 1);
        return;
      }
      Throwable cause = done.cause();
      String target = ex.destination.authority() + " (" + Destination.canonical(where.getAddress())
          + ")";
      if (cause instanceof ConnectTimeoutException) {
        answer(Responses.error(HttpResponseStatus.GATEWAY_TIMEOUT, "origin_timeout",
            ex.destination, target + " did not accept a connection within "
                + rt.limits().connectTimeout().toMillis() + " ms"), "connect_timeout");
      } else {
        answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "origin_unreachable",
            ex.destination, "could not connect to " + target + ": " + cause.getMessage()),
            "connect_failed");
      }
    });
  }

  private void originReady(Channel ch) {
    origin = ch;
    originKey = originKey(ex.destination);
    if (ex.tunnel) {
      openTunnel();
    } else {
      sendHead();
    }
  }

  /**
   * An inspected tunnel's origin connection finished its TLS handshake: on to the request, or a
   * 502 the client reads inside its own TLS, saying why the origin was not trusted.
   */
  private void originHandshake(Exchange mine, Channel ch, Throwable failure) {
    if (mine != ex || !client.isActive()) {
      ch.close();
      return;
    }
    if (failure == null) {
      originReady(ch);
      return;
    }
    ch.close();
    answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "upstream_tls_failed", ex.destination,
        "the TLS handshake with " + ex.destination.authority() + " failed: " + deepest(failure)
            + " (the origin must present a certificate for " + ex.destination.host()
            + " that chains to a root the host trusts)"), "upstream_tls_failed");
  }

  private static String deepest(Throwable t) {
    String message = String.valueOf(t.getMessage());
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null) {
        message = c.getMessage();
      }
    }
    return message;
  }

  private static FullHttpResponse connectionEstablished() {
    return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        new HttpResponseStatus(200, "Connection Established"));
  }

  /**
   * A CONNECT we answer ourselves: 200, then an HTTP codec again, and the connection reads
   * requests for its {@link Implicit} destination. When the outcome has a TLS context, what the
   * client sends first decides: a TLS handshake is terminated with the leaf for the host (and the
   * requests inside go on over TLS), anything else is read as plain HTTP (Node tunnels http://
   * URLs with CONNECT host:80) and goes on as such. Bytes the client sent right behind its
   * CONNECT go through the new handlers.
   */
  private void terminate(Gatekeeper.Outcome.Terminate t) {
    Destination d = ex.destination;
    long startNanos = ex.startNanos;
    client.writeAndFlush(connectionEstablished());
    ChannelPipeline cp = client.pipeline();
    cp.remove("response-encoder");
    implicit = new Implicit(d, false);
    if (t.tls().isPresent()) {
      cp.addAfter("idle", "tls-sniffer", new OptionalSslHandler(t.tls().get()) {
        @Override
        protected SslHandler newSslHandler(ChannelHandlerContext ctx, SslContext context) {
          SslHandler tls = super.newSslHandler(ctx, context);
          clientSpeaksTls(tls, d, startNanos);
          return tls;
        }

        @Override
        protected String newSslHandlerName() {
          return "tls";
        }
      });
    }
    codec = rt.newCodec();
    cp.addBefore("gate", "http", codec);
    ex = null; // the CONNECT's decision stands for the tunnel; each request inside has its own
    state = State.IDLE;
    List<ByteBuf> early = List.copyOf(tunnelEarly);
    tunnelEarly.clear();
    for (ByteBuf b : early) {
      cp.fireChannelRead(b);
    }
    if (!early.isEmpty()) {
      cp.fireChannelReadComplete();
    }
    updateRead();
  }

  private void clientSpeaksTls(SslHandler tls, Destination d, long startNanos) {
    implicit = new Implicit(d, true);
    tls.handshakeFuture().addListener(hs -> {
      if (!hs.isSuccess()) {
        // most often: the client does not trust the sandbox CA
        rt.gate().emit(EgressEvent.Ended.since(startNanos, peer, d, Optional.empty(),
            Optional.empty(), "client_tls_failed", 0, 0));
      }
    });
  }

  private void openTunnel() {
    client.writeAndFlush(connectionEstablished());
    ChannelPipeline cp = client.pipeline();
    cp.remove("response-encoder");
    Relay.Tunnel t = new Relay.Tunnel(rt.gate(), peer, ex.destination, Optional.empty(),
        Optional.empty(), ex.startNanos, 0, 0);
    for (ByteBuf b : tunnelEarly) {
      t.up += b.readableBytes();
      origin.write(b, origin.voidPromise());
    }
    tunnelEarly.clear();
    origin.flush();
    origin.pipeline().addLast("relay", new Relay(client, t, false));
    cp.replace(this, "relay", new Relay(origin, t, true));
    clearExchange();
    state = State.DONE;
    origin.config().setAutoRead(true);
    client.config().setAutoRead(true);
  }

  // ---------------------------------------------------------------- privacy screening

  /**
   * Starts screening the current request's body when privacy screening covers egress and the
   * body is one it can read; true when it took the request over (collecting it, or refusing it as
   * too large), false when the request goes on as it is.
   */
  private boolean screen(Gatekeeper.Outcome.Go go) {
    if (ex.internal || ex.upgrade) {
      return false; // internal services screen what they need themselves (inference.local)
    }
    HttpRequest r = ex.request;
    boolean privacy = rt.privacy().covers(PrivacyScope.EGRESS);
    boolean tools = rt.governsTools() && HttpMethod.POST.equals(r.method());
    if (!privacy && !tools) {
      return false;
    }
    long length = HttpUtil.getContentLength(r, -1L);
    if (length <= 0 && !HttpUtil.isTransferEncodingChunked(r)) {
      return false; // no body
    }
    Optional<String> unreadable = BodyScan.unreadable(r.headers());
    if (unreadable.isPresent()) {
      if (privacy) {
        emitScreened(Map.of(), EgressEvent.Screening.UNSCANNED, unreadable.get());
      }
      return false;
    }
    if (!privacy && !BodyScan.json(r.headers())) {
      return false; // MCP messages are JSON (the transports require the type); others stream
    }
    ex.mcp = tools;
    int limit = rt.limits().maxScannedBody();
    if (length > limit) {
      answer(privacy ? Responses.tooLargeToScan(ex.destination, limit)
          : Responses.tooLargeToGovern(ex.destination, limit), "body_too_large_to_scan");
      return true;
    }
    if (HttpUtil.is100ContinueExpected(r)) {
      // the body goes on as a whole, after scanning: the origin's own 100 would come too late
      HttpUtil.set100ContinueExpected(r, false);
      client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.CONTINUE));
    }
    ex.go = go;
    ex.body = client.alloc().compositeBuffer(1024);
    state = State.COLLECTING;
    watchBody();
    drain();
    return true;
  }

  private void collect(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      Throwable cause = c.decoderResult().cause();
      c.release();
      end("bad_request");
      clearExchange();
      reject(HttpResponseStatus.BAD_REQUEST, "bad_request",
          "malformed HTTP request body: " + cause.getMessage());
      return;
    }
    int n = c.content().readableBytes();
    int limit = rt.limits().maxScannedBody();
    boolean last = c instanceof LastHttpContent;
    ex.requestDone = last; // for a refusal: whether more of the body is to come
    if (ex.body.readableBytes() + (long) n > limit) {
      c.release();
      answer(rt.privacy().covers(PrivacyScope.EGRESS)
          ? Responses.tooLargeToScan(ex.destination, limit)
          : Responses.tooLargeToGovern(ex.destination, limit), "body_too_large_to_scan");
      return;
    }
    if (!rt.holdForScan(n)) {
      c.release();
      FullHttpResponse busy = Responses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
          "privacy_screening_busy", ex.destination, "privacy screening holds as many request"
              + " bodies as it may at once; retry shortly");
      busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      answer(busy, "privacy_screening_busy");
      return;
    }
    ex.held += n;
    ex.body.addComponent(true, c.content().retain());
    c.release();
    if (!last) {
      return;
    }
    disarm();
    state = State.SCANNING;
    Exchange mine = ex;
    byte[] body = ByteBufUtil.getBytes(ex.body);
    if (!ex.mcp) {
      privacyScan(body);
      return;
    }
    // the tool rules see the arguments as the agent sent them; what goes out is screened after
    CompletableFuture.supplyAsync(() -> McpGovernor.govern(rt.tools(), ex.destination.host(),
            body, peer), rt.blocking())
        .thenCompose(s -> s)
        .whenComplete((outcome, err) -> client.eventLoop().execute(
            () -> governed(mine, body, outcome, err)));
  }

  /** The body is whole: privacy screening when it covers egress, else on its way as it is. */
  private void privacyScan(byte[] body) {
    if (!rt.privacy().covers(PrivacyScope.EGRESS)) {
      sendScreened(ex.body.retain());
      return;
    }
    Exchange mine = ex;
    boolean json = BodyScan.json(ex.request.headers());
    CompletableFuture.supplyAsync(() -> BodyScan.check(rt.privacy(), body, json), rt.blocking())
        .whenComplete((verdict, err) -> client.eventLoop().execute(
            () -> scanned(mine, verdict, err)));
  }

  /** MCP governance's outcome for the current request's body ({@link McpGovernor}). */
  private void governed(Exchange mine, byte[] body, McpGovernor.Outcome outcome,
      Throwable err) {
    if (mine != ex || !client.isActive()) {
      return;
    }
    if (err != null) {
      answer(Responses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "tool_gate_error",
          ex.destination, "MCP tool governance failed (" + deepest(err) + "), so the request"
              + " was refused rather than sent unchecked"), "tool_gate_error");
      return;
    }
    switch (outcome) {
      case McpGovernor.Outcome.Pass p -> privacyScan(body);
      case McpGovernor.Outcome.Refuse r -> {
        emitTools(r.decisions());
        answer(McpGovernor.response(r.answer()), "tool_blocked");
      }
      case McpGovernor.Outcome.Forward f -> {
        emitTools(f.decisions());
        if (f.reply().needed()) {
          ex.reply = f.reply();
          // parked before it goes: with the older SSE transport the answer may come on the
          // stream before the POST's 202 does (claimed back when the POST's own response has it)
          rt.mcpSessions().park(ex.destination.host(), ex.request.uri(), f.reply());
        }
        if (f.changed()) {
          ex.body.release();
          ex.body = client.alloc().compositeBuffer(1);
          ex.body.addComponent(true, Unpooled.wrappedBuffer(f.body()));
        }
        privacyScan(f.body());
      }
    }
  }

  /**
   * Each tools/call decision as a decision event of the request (method and path), its rule
   * naming the tool: logged, audited, and a refusal is in the run report like any other.
   */
  private void emitTools(List<McpGovernor.Decision> decisions) {
    for (McpGovernor.Decision d : decisions) {
      String what = d.allowed() ? (d.reason().isEmpty() ? "allowed" : d.reason())
          + (d.masked() ? "; arguments masked" : "") + (d.redacted() ? "; output redacted" : "")
          : "MCP tool " + d.tool() + " blocked: " + d.reason();
      rt.gate().emit(new EgressEvent.Decided(Instant.now(), peer, ex.destination.host(),
          ex.destination.port(), ex.method, ex.path,
          d.allowed() ? EgressEvent.Verdict.ALLOW : EgressEvent.Verdict.DENY,
          "mcp tools/call " + d.tool(), what));
    }
  }

  private void scanned(Exchange mine, Optional<Verdict> verdict, Throwable err) {
    if (mine != ex || !client.isActive()) {
      return;
    }
    if (err != null) {
      answer(Responses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "privacy_error",
          ex.destination, "privacy screening failed (" + deepest(err) + "), so the request"
              + " was refused rather than sent unscanned"), "privacy_error");
      return;
    }
    if (verdict.isEmpty()) {
      emitScreened(Map.of(), EgressEvent.Screening.UNSCANNED, "the body is not valid UTF-8");
      sendScreened(ex.body.retain());
      return;
    }
    Map<String, Integer> counts = BodyScan.counts(verdict.get().findings());
    switch (verdict.get()) {
      case Verdict.Clean c -> sendScreened(ex.body.retain());
      case Verdict.Audited a -> {
        emitScreened(counts, EgressEvent.Screening.AUDITED, "");
        sendScreened(ex.body.retain());
      }
      case Verdict.Masked m -> {
        emitScreened(counts, EgressEvent.Screening.MASKED, "");
        sendScreened(Unpooled.wrappedBuffer(m.text().getBytes(StandardCharsets.UTF_8)));
      }
      case Verdict.Blocked b -> {
        emitScreened(counts, EgressEvent.Screening.BLOCKED, "");
        answer(Responses.privacyBlocked(ex.destination, counts.keySet()), "privacy_blocked");
      }
    }
  }

  /** The request again, whole, with this body and a length that fits it; then on its way. */
  private void sendScreened(ByteBuf body) {
    HttpRequest head = ex.request;
    HttpHeaders h = head.headers();
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    HttpUtil.setContentLength(head, body.readableBytes());
    ex.request = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
        body, h, new DefaultHttpHeaders());
    ex.body.release();
    ex.body = null;
    ex.screened = true;
    proceed(ex.go);
  }

  private void emitScreened(Map<String, Integer> counts, EgressEvent.Screening action,
      String reason) {
    rt.gate().emit(new EgressEvent.Screened(Instant.now(), peer, ex.destination.host(),
        ex.destination.port(), ex.method, ex.path, counts, action, reason));
  }

  // ---------------------------------------------------------------- forwarding

  private void sendHead() {
    HttpRequest r = ex.request;
    HttpHeaders h = r.headers();
    stripHopByHop(h, ex.upgrade);
    h.set(HttpHeaderNames.HOST,
        ex.destination.hostHeader(implicit != null && implicit.tls() ? 443 : 80));
    if (ex.internal) {
      rt.gate().internalHeaders(ex.destination.host(), peer, h);
    }
    if (rt.governsTools() && (ex.reply != null
        || String.valueOf(h.get(HttpHeaderNames.ACCEPT)).contains("text/event-stream"))) {
      // an MCP answer the proxy re-writes (or an SSE stream that may carry one) must come
      // uncompressed: a compressed one could not be read and would pass unredacted
      h.remove(HttpHeaderNames.ACCEPT_ENCODING);
    }
    if (ex.upgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }
    if (r instanceof HttpContent c) {
      ex.up += c.content().readableBytes();
    }
    origin.write(r);
    state = ex.requestDone ? State.AWAIT_RESPONSE : State.STREAMING;
    origin.flush();
    drain();
  }

  private void forwardContent(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      // a broken body (bad chunk size, ...): the origin must not see what follows it
      Throwable cause = c.decoderResult().cause();
      c.release();
      dropOrigin();
      end("bad_request");
      clearExchange();
      reject(HttpResponseStatus.BAD_REQUEST, "bad_request",
          "malformed HTTP request body: " + cause.getMessage());
      return;
    }
    ex.up += c.content().readableBytes();
    origin.write(c, origin.voidPromise());
    if (c instanceof LastHttpContent) {
      ex.requestDone = true;
      if (ex.responseDone) {
        origin.flush();
        finishExchange();
      } else {
        state = State.AWAIT_RESPONSE;
      }
    }
  }

  /**
   * Forgets the origin connection and closes it; its handler goes first, so its closing is not
   * reported back here.
   */
  private void dropOrigin() {
    Channel o = origin;
    origin = null;
    originKey = null;
    if (o != null) {
      o.pipeline().remove(OriginHandler.class);
      o.close();
    }
  }

  /** RFC 9110 §7.6.1: these describe one hop and never travel further. */
  private static void stripHopByHop(HttpHeaders h, boolean keepUpgrade) {
    for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : v.split(",")) {
        String t = token.trim();
        if (!t.isEmpty() && !(keepUpgrade && t.equalsIgnoreCase("upgrade"))) {
          h.remove(t);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove("Proxy-Connection");
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.TRAILER);
    if (!keepUpgrade) {
      h.remove(HttpHeaderNames.UPGRADE);
    }
  }

  void onResponseHead(Channel from, HttpResponse resp) {
    if (from != origin || ex == null || ex.tunnel) {
      ReferenceCountUtil.release(resp);
      from.close();
      return;
    }
    HttpResponseStatus status = resp.status();
    if (status.code() == 101) {
      if (!ex.upgrade) {
        ReferenceCountUtil.release(resp);
        from.close();
        return;
      }
      ex.switching = true;
      ex.responseStarted = true;
      stripHopByHop(resp.headers(), true);
      resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      resp.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
      client.write(resp);
      return;
    }
    if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
      ex.informational = true;
      stripHopByHop(resp.headers(), false);
      client.write(resp);
      return;
    }
    ex.responseStarted = true;
    ex.originKeepAlive = HttpUtil.isKeepAlive(resp);
    stripHopByHop(resp.headers(), false);
    boolean bodyless = HttpMethod.HEAD.equals(ex.request.method()) || status.code() == 204
        || status.code() == 304;
    if (!bodyless && mcpReply(resp)) {
      return; // held until its body is whole
    }
    if (!bodyless && !HttpUtil.isContentLengthSet(resp)
        && !HttpUtil.isTransferEncodingChunked(resp)) {
      // the origin ends the body by closing; our client keeps its connection, so we chunk it
      if (ex.request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
        HttpUtil.setTransferEncodingChunked(resp, true);
      } else {
        ex.keepAlive = false;
      }
    }
    resp.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (!ex.keepAlive) {
      resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    client.write(resp, client.voidPromise());
  }

  void onResponseContent(Channel from, HttpContent c) {
    if (from != origin || ex == null) {
      ReferenceCountUtil.release(c);
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (ex.informational) {
      client.write(c, client.voidPromise());
      if (last) {
        ex.informational = false;
      }
      return;
    }
    ex.down += c.content().readableBytes();
    if (ex.heldHead != null) {
      holdReply(c);
      return;
    }
    if (ex.sse != null) {
      c = filterSse(c);
      if (c == null) {
        return;
      }
    }
    if (!last) {
      client.write(c, client.voidPromise());
      if (!client.isWritable()) {
        // pause first: the flush may drain at once, and the writability event then resumes
        origin.config().setAutoRead(false);
        client.flush();
      }
      return;
    }
    if (ex.switching) {
      client.writeAndFlush(c);
      switchToRelay();
      return;
    }
    responseEnded(c);
  }

  /** The last of the response is here: on to the client, and the exchange is done. */
  private void responseEnded(HttpContent c) {
    ex.responseDone = true;
    if (ex.keepAlive) {
      client.writeAndFlush(c, client.voidPromise());
    } else {
      client.writeAndFlush(c).addListener(ChannelFutureListener.CLOSE);
      state = State.DONE;
    }
    if (!ex.originKeepAlive) {
      dropOrigin();
    }
    if (ex.requestDone) {
      finishExchange();
    } else if (origin == null) {
      // the origin answered before the request body ended and is gone; drop the rest of it
      end("ok");
      clearExchange();
      if (state != State.DONE) {
        state = State.DONE;
        client.close();
      }
    }
  }

  // ---------------------------------------------------------------- MCP responses

  /**
   * Whether the response to the current request is one MCP governance re-writes, and how: a JSON
   * body is held whole (true), an SSE stream is re-written event by event as it comes, a 202 to a
   * POST of the older SSE transport parks what its response needs until the stream carries it.
   * Any GET SSE stream is watched for such parked responses while a tool gate is set.
   */
  private boolean mcpReply(HttpResponse resp) {
    McpReply reply = ex.reply;
    HttpHeaders h = resp.headers();
    String type = String.valueOf(h.get(HttpHeaderNames.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
    boolean sse = type.startsWith("text/event-stream");
    int limit = rt.limits().maxScannedBody();
    if (reply == null) {
      if (sse && rt.governsTools() && HttpMethod.GET.equals(ex.request.method())
          && resp.status().code() == 200 && !h.contains(HttpHeaderNames.CONTENT_ENCODING)) {
        ex.sse = rt.mcpSessions().stream(ex.destination.host(), limit);
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
      }
      return false;
    }
    if (resp.status().code() == 202) {
      return false; // the older SSE transport: the answer comes on the stream (parked)
    }
    rt.mcpSessions().unpark(ex.destination.host(), ex.request.uri(), reply);
    if (resp.status().codeClass() != HttpStatusClass.SUCCESS) {
      return false;
    }
    if (h.contains(HttpHeaderNames.CONTENT_ENCODING)
        && !h.get(HttpHeaderNames.CONTENT_ENCODING).trim().equalsIgnoreCase("identity")) {
      // compressed although the proxy asked for it plain: it cannot be re-written, so it does
      // not go to the client at all (502 at its first bytes)
      ex.heldHead = resp;
      ex.heldBody = client.alloc().compositeBuffer(1);
      ex.replyUnreadable = true;
      return true;
    }
    if (sse) {
      ex.sse = new McpReply.Sse(reply::rewriteData, limit);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      return false;
    }
    if (type.contains("json")) {
      ex.heldHead = resp;
      ex.heldBody = client.alloc().compositeBuffer(1024);
      return true;
    }
    return false;
  }

  /** A piece of a held JSON response; at its end the body is re-written and sent whole. */
  private void holdReply(HttpContent c) {
    int limit = rt.limits().maxScannedBody();
    if (ex.replyUnreadable) {
      c.release();
      ReferenceCountUtil.release(ex.heldHead);
      ex.heldHead = null;
      dropOrigin();
      ex.responseStarted = false;
      ex.keepAlive = false;
      answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "mcp_response_unreadable",
          ex.destination, "the MCP server's response is compressed, so the tool rules (redaction,"
              + " tools/list filtering) could not be applied to it"), "mcp_response_unreadable");
      return;
    }
    if (ex.heldBody.readableBytes() + (long) c.content().readableBytes() > limit) {
      c.release();
      ReferenceCountUtil.release(ex.heldHead);
      ex.heldHead = null;
      dropOrigin();
      ex.responseStarted = false;
      ex.keepAlive = false;
      answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "mcp_response_too_large",
          ex.destination, "the MCP server's response is larger than the " + limit
              + " bytes the proxy reads to apply the tool rules to it"),
          "mcp_response_too_large");
      return;
    }
    ex.heldBody.addComponent(true, c.content().retain());
    boolean last = c instanceof LastHttpContent;
    c.release();
    if (!last) {
      return;
    }
    byte[] body = ByteBufUtil.getBytes(ex.heldBody);
    ex.heldBody.release();
    ex.heldBody = null;
    ByteBuf out = ex.reply.rewriteJson(body).map(Unpooled::wrappedBuffer)
        .orElse(Unpooled.wrappedBuffer(body));
    HttpResponse head = ex.heldHead;
    ex.heldHead = null;
    head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    HttpUtil.setContentLength(head, out.readableBytes());
    head.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (!ex.keepAlive) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    client.write(head, client.voidPromise());
    responseEnded(new DefaultLastHttpContent(out));
  }

  /** A piece of an SSE response through its filter; null when the stream was cut. */
  private HttpContent filterSse(HttpContent c) {
    byte[] in = ByteBufUtil.getBytes(c.content());
    boolean last = c instanceof LastHttpContent;
    c.release();
    byte[] out;
    try {
      out = ex.sse.feed(in);
      if (last) {
        byte[] rest = ex.sse.finish();
        if (rest.length > 0) {
          byte[] both = java.util.Arrays.copyOf(out, out.length + rest.length);
          System.arraycopy(rest, 0, both, out.length, rest.length);
          out = both;
        }
      }
    } catch (McpReply.Sse.TooLarge e) {
      // an event too long to check could carry what must be redacted: the stream ends here
      end("mcp_event_too_large");
      clearExchange();
      dropOrigin();
      state = State.DONE;
      client.close();
      return null;
    }
    ByteBuf b = Unpooled.wrappedBuffer(out);
    return last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b);
  }

  private void finishExchange() {
    end("ok");
    clearExchange();
    if (state != State.DONE) {
      state = State.IDLE;
      if (origin != null) {
        origin.config().setAutoRead(true);
      }
      drain();
    } else {
      releaseInbox();
    }
  }

  void onOriginReadComplete() {
    client.flush();
  }

  void onOriginWritability() {
    if (state == State.STREAMING) {
      drain();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (origin != null && state != State.DONE) {
      origin.config().setAutoRead(client.isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  void onOriginMalformed(Channel from, Throwable cause) {
    if (from != origin || ex == null) {
      from.close();
      return;
    }
    dropOrigin();
    if (!ex.responseStarted) {
      ex.keepAlive = false;
      answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "bad_origin_response",
          ex.destination, "the origin sent a malformed response: " + cause.getMessage()),
          "bad_origin_response");
    } else {
      end("bad_origin_response");
      clearExchange();
      state = State.DONE;
      client.close();
    }
  }

  /**
   * The origin connection is gone, closed or broken ({@code failure}: reset, most often). Before
   * any answer the client gets a 502 and keeps its connection if its request was read whole; in
   * the middle of a response the client's connection is closed too, so that a cut body cannot
   * pass for a whole one.
   */
  void onOriginInactive(Channel from, Optional<Throwable> failure) {
    if (from != origin) {
      return;
    }
    origin = null;
    originKey = null;
    if (ex == null || ex.tunnel) {
      return; // a kept connection the origin closed while idle
    }
    if (state == State.STREAMING || state == State.AWAIT_RESPONSE) {
      if (!ex.responseStarted) {
        ex.keepAlive &= ex.requestDone; // a client cut off mid-upload is let go
        String how = failure.map(f -> "the connection to the origin broke before it answered ("
            + f.getMessage() + ")").orElse("the origin closed the connection before answering");
        answer(Responses.error(HttpResponseStatus.BAD_GATEWAY, "origin_closed",
            ex.destination, how), "origin_closed");
      } else if (!ex.responseDone) {
        end("origin_closed");
        clearExchange();
        state = State.DONE;
        client.close();
      }
    }
  }

  private void switchToRelay() {
    Relay.Tunnel t = new Relay.Tunnel(rt.gate(), peer, ex.destination, ex.method, ex.path,
        ex.startNanos, ex.up, ex.down);
    ChannelPipeline op = origin.pipeline();
    ChannelPipeline cp = client.pipeline();
    Channel o = origin;
    op.addLast("relay", new Relay(client, t, false));
    op.remove(OriginHandler.class);
    op.remove(HttpClientCodec.class); // what it still holds goes to the relay
    cp.addAfter(cp.context(this).name(), "relay", new Relay(o, t, true));
    clearExchange();
    state = State.DONE;
    releaseInbox();
    cp.remove(this);
    cp.remove(codec);
    o.config().setAutoRead(true);
    client.config().setAutoRead(true);
  }

  // ---------------------------------------------------------------- deadlines

  /**
   * Starts the head deadline when part of a request has arrived and the connection waits for
   * the rest of its head, or for the rest of a refused request's body, read only to keep the
   * connection for the next request: from here on the client is the slow one, not the proxy.
   */
  private void watchHead() {
    boolean waiting = state == State.DISCARDING || state == State.IDLE && codec.midRequest();
    if (!waiting || deadline != null || !client.isActive()) {
      return;
    }
    Duration limit = rt.limits().headerTimeout();
    deadline = schedule(limit, () -> {
      String what = state == State.DISCARDING ? "the rest of the refused request's body"
          : "the request line and headers";
      if (state == State.IDLE || state == State.DISCARDING) {
        reject(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", what + " did not arrive"
            + " in full within " + limit.toMillis() + " ms (the proxy's header timeout)");
      }
    });
  }

  /** Starts the deadline of the body being collected for screening. */
  private void watchBody() {
    Exchange mine = ex;
    Duration limit = rt.limits().bodyTimeout();
    deadline = schedule(limit, () -> {
      if (mine == ex && state == State.COLLECTING) {
        end("request_timeout");
        clearExchange();
        reject(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout", "the request body, which"
            + " the proxy reads whole before sending it on, did not arrive in full within "
            + limit.toMillis() + " ms (the proxy's body timeout)");
      }
    });
  }

  private ScheduledFuture<?> schedule(Duration after, Runnable expired) {
    disarm();
    return client.eventLoop().schedule(() -> {
      deadline = null;
      expired.run();
    }, after.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Cancels the running deadline; Netty takes a cancelled task off the loop's queue at once. */
  private void disarm() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  // ---------------------------------------------------------------- endings

  private void end(String outcome) {
    if (ex == null) {
      return;
    }
    rt.gate().emit(EgressEvent.Ended.since(ex.startNanos, peer, ex.destination, ex.method,
        ex.path, outcome, ex.up, ex.down));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof IdleStateEvent)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    switch (state) {
      case DECIDING, SCANNING, CONNECTING, TUNNEL_PENDING -> {
        // held for a decision (the approval inbox may take a while), scanning, or connecting
      }
      case STREAMING, COLLECTING -> {
        end("idle_timeout");
        clearExchange();
        reject(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
            "the request body did not arrive within " + idleText());
      }
      case AWAIT_RESPONSE -> {
        if (ex != null && !ex.responseStarted) {
          end("idle_timeout");
          clearExchange();
          reject(HttpResponseStatus.GATEWAY_TIMEOUT, "origin_timeout",
              "the origin did not answer within " + idleText());
        } else {
          end("idle_timeout");
          clearExchange();
          state = State.DONE;
          ctx.close();
        }
      }
      case IDLE -> {
        if (codec.midRequest()) {
          reject(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
              "the request did not arrive in full within " + idleText());
        } else {
          state = State.DONE;
          ctx.close();
        }
      }
      case DISCARDING, DONE -> {
        state = State.DONE;
        ctx.close();
      }
    }
  }

  private String idleText() {
    return rt.limits().idleTimeout().toMillis() + " ms";
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    disarm();
    if (ex != null) {
      end("client_closed");
      clearExchange();
    }
    state = State.DONE;
    releaseInbox();
    releaseEarly();
    if (origin != null) {
      origin.close();
      origin = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Done with the current exchange: what it still holds goes back to the allocator. */
  private void clearExchange() {
    disarm(); // a body deadline ends with its exchange
    if (ex != null && ex.body != null) {
      ex.body.release();
      ex.body = null;
    }
    if (ex != null && ex.heldBody != null) {
      ex.heldBody.release();
      ex.heldBody = null;
    }
    if (ex != null && ex.heldHead != null) {
      ReferenceCountUtil.release(ex.heldHead);
      ex.heldHead = null;
    }
    if (ex != null && ex.held > 0) {
      rt.releaseScan(ex.held);
    }
    ex = null;
  }

  private void releaseInbox() {
    Object m;
    while ((m = inbox.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  private void releaseEarly() {
    for (ByteBuf b : tunnelEarly) {
      b.release();
    }
    tunnelEarly.clear();
  }
}
