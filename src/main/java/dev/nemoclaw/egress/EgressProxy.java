package dev.nemoclaw.egress;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.privacy.PrivacyGuard;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The sandbox's only way out: an HTTP/1.1 forward proxy (absolute-form requests and CONNECT) on
 * Netty, deciding every request with an {@link EgressPolicy}. Clients come in through
 * {@link #bind} (a TCP listener) or {@link #adopt} (a connected socket the sandbox bridge hands
 * over, with the identity of the process behind it).
 *
 * <p>Event loops do the I/O (epoll where available, NIO otherwise); policy calls, the unknown
 * handler and name resolution run on virtual threads. {@link #close()} stops everything.
 */
public final class EgressProxy implements AutoCloseable {
  /** Per-channel outbound buffer bounds: above high a sender pauses, below low it resumes. */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  /** How many bodies of the largest scanned size privacy screening may hold at once (503 past). */
  static final int SCAN_BUDGET_BODIES = 8;

  /**
   * Reads grow to 1 MiB when data streams: fewer syscalls and flushes per byte relayed. One for
   * every channel: the allocator only holds its bounds, each channel gets a handle of its own.
   */
  static final AdaptiveRecvByteBufAllocator RECV_ALLOCATOR =
      new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 1024 * 1024);

  private final ProxyLimits limits;
  /** How client requests are decoded; each codec copies it, nothing changes it. */
  private final HttpDecoderConfig decoder;
  private final Gatekeeper gate;
  private final EventLoopGroup group;
  private final boolean epoll;
  private final ExecutorService blocking;
  private final ChannelGroup channels =
      new DefaultChannelGroup("egress", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  /** Request-body bytes held for privacy screening now, all connections together. */
  private final AtomicLong scanning = new AtomicLong();
  private final ProxyRuntime runtime;
  private volatile boolean closed;

  static {
    NettyLogging.init();
  }

  private EgressProxy(Builder b) {
    // first, so that a trust store that cannot be read leaves no threads behind
    Optional<SslContext> upstreamTls = b.ca.map(ca -> upstreamContext(b.upstreamTrust));
    this.limits = b.limits;
    this.decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(limits.maxInitialLineLength())
        .setMaxHeaderSize(limits.maxHeaderSize())
        .setMaxChunkSize(1 << 20)
        .setValidateHeaders(true);
    this.epoll = b.preferEpoll && Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(b.threads, io);
    this.blocking = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("egress-decide-", 0).factory());
    this.gate = new Gatekeeper(b.policy, b.unknownHandler, b.resolver, b.events, blocking,
        b.internal, b.ca);
    PrivacyGuard privacy = b.privacy;
    ToolGate tools = b.tools;
    McpSessions sessions = new McpSessions();
    Class<? extends SocketChannel> socketClass =
        epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    this.runtime = new ProxyRuntime() {
      @Override
      public Gatekeeper gate() {
        return gate;
      }

      @Override
      public ProxyLimits limits() {
        return limits;
      }

      @Override
      public Class<? extends SocketChannel> socketChannelClass() {
        return socketClass;
      }

      @Override
      public void track(Channel channel) {
        channels.add(channel);
      }

      @Override
      public ProxyServerCodec newCodec() {
        return codec();
      }

      @Override
      public Optional<SslContext> upstreamTls() {
        return upstreamTls;
      }

      @Override
      public PrivacyGuard privacy() {
        return privacy;
      }

      @Override
      public ToolGate tools() {
        return tools;
      }

      @Override
      public McpSessions mcpSessions() {
        return sessions;
      }

      @Override
      public boolean holdForScan(int bytes) {
        long budget = SCAN_BUDGET_BODIES * (long) limits.maxScannedBody();
        long now;
        do {
          now = scanning.get();
          if (now + bytes > budget) {
            return false;
          }
        } while (!scanning.compareAndSet(now, now + bytes));
        return true;
      }

      @Override
      public void releaseScan(long bytes) {
        scanning.addAndGet(-bytes);
      }

      @Override
      public ExecutorService blocking() {
        return blocking;
      }
    };
  }

  private static SslContext upstreamContext(Optional<HostTrust> given) {
    try {
      return (given.isPresent() ? given.get() : HostTrust.load(System.getenv())).clientContext();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Builder builder(EgressPolicy policy) {
    return new Builder(policy);
  }

  /** How the proxy is put together; only the policy is required. */
  public static final class Builder {
    private final EgressPolicy policy;
    private Consumer<EgressEvent> events = e -> {};
    private ProxyLimits limits = ProxyLimits.defaults();
    private Resolver resolver = Resolver.system();
    private UnknownHandler unknownHandler = UnknownHandler.denyAtOnce();
    private final Map<String, InternalService> internal = new HashMap<>();
    private int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private boolean preferEpoll = true;
    private Optional<SandboxCa> ca = Optional.empty();
    private Optional<HostTrust> upstreamTrust = Optional.empty();
    private PrivacyGuard privacy = PrivacyGuard.off();
    private ToolGate tools = ToolGate.allowAll();

    private Builder(EgressPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** Receives every {@link EgressEvent}; called from many threads, must be quick. */
    public Builder events(Consumer<EgressEvent> sink) {
      this.events = Objects.requireNonNull(sink);
      return this;
    }

    public Builder limits(ProxyLimits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    public Builder resolver(Resolver resolver) {
      this.resolver = Objects.requireNonNull(resolver);
      return this;
    }

    /** A name the supervisor serves itself ({@link InternalService}). */
    public Builder internal(InternalService service) {
      internal.put(service.host(), service);
      return this;
    }

    public Builder unknownHandler(UnknownHandler handler) {
      this.unknownHandler = Objects.requireNonNull(handler);
      return this;
    }

    /**
     * Turns TLS inspection on: a CONNECT allowed by a rule with {@code inspect: true} (and one to
     * an internal name on port 443) is terminated with a leaf this CA signs, and the requests
     * inside are decided one by one. Without a CA such a CONNECT is refused.
     */
    public Builder sandboxCa(SandboxCa ca) {
      this.ca = Optional.of(ca);
      return this;
    }

    /**
     * The roots an inspected tunnel's origin must chain to (default: {@link HostTrust#load} of
     * the supervisor's environment, read when the proxy starts with a CA).
     */
    public Builder upstreamTrust(HostTrust trust) {
      this.upstreamTrust = Optional.of(trust);
      return this;
    }

    /**
     * Screens request bodies when the guard covers {@code PrivacyScope.EGRESS}: plain HTTP and
     * inspected requests to anything but an internal service (see {@code docs/egress.md}).
     */
    public Builder privacy(PrivacyGuard guard) {
      this.privacy = Objects.requireNonNull(guard);
      return this;
    }

    /**
     * Governs MCP tool calls crossing the proxy (JSON-RPC {@code tools/call} and
     * {@code tools/list} in POST bodies of plain-HTTP and inspected requests; see
     * {@code docs/egress.md#mcp}). Default {@link ToolGate#allowAll()}: bodies are not looked
     * into for MCP at all.
     */
    public Builder toolGate(ToolGate gate) {
      this.tools = Objects.requireNonNull(gate);
      return this;
    }

    /** Event-loop threads (default: the CPU count, at most 4). */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1");
      }
      this.threads = threads;
      return this;
    }

    /** false: use NIO even where epoll is available (tests of the fallback). */
    public Builder preferEpoll(boolean prefer) {
      this.preferEpoll = prefer;
      return this;
    }

    /**
     * Starts the event loops; nothing listens until {@link #bind} or {@link #adopt}. With a
     * sandbox CA and no {@link #upstreamTrust}, reads the host's trust store first (an
     * {@link java.io.UncheckedIOException} when it cannot).
     */
    public EgressProxy start() {
      return new EgressProxy(this);
    }
  }

  /** Whether the native epoll transport is in use (adopt needs it). */
  public boolean nativeTransport() {
    return epoll;
  }

  /** Client connections open now. */
  public int openConnections() {
    return open.get();
  }

  /**
   * Listens on a TCP address; returns the address actually bound (port 0 picks one). Peers on it
   * are {@link Peer#unknown()}.
   */
  public InetSocketAddress bind(InetSocketAddress address) throws IOException {
    ensureOpen();
    Class<? extends ServerChannel> serverClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap sb = new ServerBootstrap()
        .group(group)
        .channel(serverClass)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECV_ALLOCATOR)
        .childHandler(initializer(Peer.unknown()));
    try {
      Channel server = sb.bind(address).sync().channel();
      channels.add(server);
      InetSocketAddress bound = (InetSocketAddress) server.localAddress();
      gate.addSelf(bound);
      return bound;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding " + address, e);
    } catch (RuntimeException e) {
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  /**
   * Takes over an already connected TCP socket (from the sandbox bridge, over SCM_RIGHTS): the
   * proxy owns the descriptor from now on and closes it when the connection ends. {@code peer} is
   * the process behind it, as the bridge saw it. Needs the epoll transport.
   */
  public void adopt(int fd, Peer peer) throws IOException {
    ensureOpen();
    Objects.requireNonNull(peer, "peer");
    if (!epoll) {
      throw new IOException("adopting a socket needs Netty's epoll transport, which is not "
          + "available here: " + Epoll.unavailabilityCause());
    }
    setNonBlocking(fd);
    EpollSocketChannel ch;
    try {
      ch = new EpollSocketChannel(fd);
    } catch (RuntimeException e) {
      throw new IOException("fd " + fd + " is not a usable connected TCP socket: "
          + e.getMessage(), e);
    }
    ch.config().setTcpNoDelay(true);
    ch.config().setWriteBufferWaterMark(WATER_MARK);
    ch.config().setRecvByteBufAllocator(RECV_ALLOCATOR);
    ch.pipeline().addLast(initializer(peer));
    try {
      group.register(ch).sync();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ch.unsafe().closeForcibly();
      throw new IOException("interrupted while adopting fd " + fd, e);
    }
  }

  private ChannelInitializer<Channel> initializer(Peer peer) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        channels.add(ch);
        ProxyServerCodec codec = codec();
        ch.pipeline()
            .addLast("idle", new IdleStateHandler(0, 0,
                limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
            .addLast("http", codec)
            .addLast("gate", new ConnectionGate(open, limits.maxConnections()))
            .addLast("client", new ClientHandler(runtime, peer, codec));
      }
    };
  }

  private ProxyServerCodec codec() {
    return new ProxyServerCodec(decoder);
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the egress proxy is closed");
    }
  }

  /** Closes listeners and every connection, then stops the event loops (within ~2 s). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    blocking.shutdownNow();
  }

  // ------------------------------------------------------------------ fd plumbing

  private interface C extends com.sun.jna.Library {
    int fcntl(int fd, int cmd, int arg) throws LastErrorException;
  }

  private static final class Libc {
    static final C C = Native.load("c", C.class);
  }

  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 04000;

  /** Netty's epoll channels need non-blocking sockets; one passed over SCM_RIGHTS may not be. */
  private static void setNonBlocking(int fd) throws IOException {
    try {
      int flags = Libc.C.fcntl(fd, F_GETFL, 0);
      if ((flags & O_NONBLOCK) == 0) {
        Libc.C.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      }
    } catch (LastErrorException e) {
      throw new IOException("fd " + fd + ": fcntl failed (errno " + e.getErrorCode() + ")", e);
    }
  }
}
