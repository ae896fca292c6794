package dev.nemoclaw.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.nemoclaw.policy.EgressRequest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SSRF spellings, DNS rebinding, WebSocket, and sockets adopted from the sandbox bridge. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EgressGuardTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final List<AutoCloseable> closeLater = new ArrayList<>();
  final List<EgressEvent> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeLater.reversed()) {
      c.close();
    }
  }

  EgressProxy proxy(TestPolicy policy, Resolver resolver) {
    EgressProxy p = EgressProxy.builder(policy).resolver(resolver).events(events::add).start();
    closeLater.add(p);
    return p;
  }

  InetSocketAddress listen(EgressProxy p) throws IOException {
    return p.bind(new InetSocketAddress("127.0.0.1", 0));
  }

  static InetAddress ip(String s) {
    return InetAddress.ofLiteral(s);
  }

  static HttpResponse<String> get(InetSocketAddress proxy, String url) throws Exception {
    return HttpClient.newBuilder().proxy(ProxySelector.of(proxy)).build()
        .send(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  // ------------------------------------------------------------------ SSRF

  @ParameterizedTest
  @ValueSource(strings = {"0x7f000001", "2130706433", "0177.0.0.1", "127.1", "127.0.1",
      "[::ffff:127.0.0.1]", "[::1]", "[0:0:0:0:0:0:0:1]", "localhost", "LOCALHOST.",
      "169.254.169.254", "0xa9fea9fe", "[fd00:ec2::254]", "[64:ff9b::7f00:1]", "[::127.0.0.1]",
      "10.0.0.1", "192.168.0.1", "172.16.0.1", "100.64.0.1", "0.0.0.0", "0", "[::]",
      "[2002:7f00:1::1]", "[fe80::1]", "224.0.0.1"})
  void everySpecialSpellingIsRefusedWhenOnlyNamesAreAllowed(String host) throws Exception {
    Resolver r = name -> name.equals("localhost")
        ? List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}))
        : List.of();
    TestPolicy policy = TestPolicy.allowAllNames();
    InetSocketAddress proxy = listen(proxy(policy, r));
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://" + host + ":8080/x HTTP/1.1\r\nHost: x\r\n\r\n");
      Raw.Response resp = raw.read();
      assertEquals(403, resp.status(), host);
      JsonNode body = JSON.readTree(resp.body());
      assertEquals("ssrf-guard", body.get("rule").asText(), body.toString());
      assertTrue(body.get("reason").asText().contains("only through a rule that names the address"),
          body.toString());
    }
    try (Raw raw = new Raw(proxy)) {
      raw.send("CONNECT " + host + ":443 HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(403, raw.read().status(), host);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0x7f000001", "2130706433", "0177.0.0.1", "127.1",
      "[::ffff:127.0.0.1]"})
  void theNameRuleCannotBeDodgedWithAnAddressSpelling(String host) throws Exception {
    // the policy allows a name only; an address spelling reaches the policy as the address
    TestPolicy policy = TestPolicy.allowing(Set.of("origin.test"), Set.of());
    InetSocketAddress proxy = listen(proxy(policy, name -> List.of()));
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://" + host + ":8080/x HTTP/1.1\r\nHost: origin.test\r\n\r\n");
      assertEquals(403, raw.read().status());
    }
    assertEquals("127.0.0.1", policy.seen().getFirst().host());
  }

  @Test
  void allowedWhenThePolicyNamesTheAddress() throws Exception {
    try (Origin origin = Origin.start("origin")) {
      TestPolicy policy = TestPolicy.allowing(Set.of("127.0.0.1"), Set.of("127.0.0.1"));
      InetSocketAddress proxy = listen(proxy(policy, name -> List.of()));
      for (String spelling : List.of("127.0.0.1", "0x7f000001", "2130706433", "127.1",
          "[::ffff:127.0.0.1]")) {
        try (Raw raw = new Raw(proxy)) {
          raw.send("GET http://" + spelling + ":" + origin.port() + "/hello HTTP/1.1\r\n"
              + "Host: x\r\n\r\n");
          Raw.Response r = raw.read();
          assertEquals(200, r.status(), spelling);
          assertEquals("hello from origin", r.body());
        }
      }
      assertTrue(policy.seen().stream().allMatch(e -> e.host().equals("127.0.0.1")));
    }
  }

  // ------------------------------------------------------------------ DNS rebinding

  /** Two origins on one port: 127.0.0.2 (the one the policy names) and 127.0.0.1 (not). */
  Origin[] pair() throws IOException {
    Origin bad = new Origin("loopback-secret", "127.0.0.1", 0);
    Origin good = new Origin("named", "127.0.0.2", bad.port());
    closeLater.add(bad);
    closeLater.add(good);
    return new Origin[] {good, bad};
  }

  @Test
  void rebindingCannotSwitchTheAddressAfterTheCheck() throws Exception {
    Origin[] o = pair();
    AtomicInteger calls = new AtomicInteger();
    Resolver rebinding = name -> calls.getAndIncrement() == 0
        ? List.of(ip("127.0.0.2"))
        : List.of(ip("127.0.0.1"));
    TestPolicy policy = TestPolicy.allowing(Set.of("rebind.test"), Set.of("127.0.0.2"));
    InetSocketAddress proxy = listen(proxy(policy, rebinding));
    HttpResponse<String> r = get(proxy, "http://rebind.test:" + o[0].port() + "/hello");
    assertEquals("hello from named", r.body());
    assertEquals(1, calls.get(), "resolved once, connected to what was checked");
    assertTrue(o[1].seen.isEmpty());
  }

  @Test
  void refusedAddressesAreDroppedFromTheAnswer() throws Exception {
    Origin[] o = pair();
    Resolver both = name -> List.of(ip("127.0.0.1"), ip("127.0.0.2"));
    TestPolicy policy = TestPolicy.allowing(Set.of("rebind.test"), Set.of("127.0.0.2"));
    InetSocketAddress proxy = listen(proxy(policy, both));
    HttpResponse<String> r = get(proxy, "http://rebind.test:" + o[0].port() + "/hello");
    assertEquals("hello from named", r.body());
    assertTrue(o[1].seen.isEmpty());
  }

  @Test
  void aNameResolvingOnlyToRefusedAddressesIs403() throws Exception {
    Origin[] o = pair();
    Resolver rebinding = name -> List.of(ip("127.0.0.1"));
    TestPolicy policy = TestPolicy.allowing(Set.of("rebind.test"), Set.of("127.0.0.2"));
    InetSocketAddress proxy = listen(proxy(policy, rebinding));
    HttpResponse<String> r = get(proxy, "http://rebind.test:" + o[0].port() + "/hello");
    assertEquals(403, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertTrue(body.get("reason").asText().contains("resolves to a loopback address (127.0.0.1)"),
        body.toString());
    assertTrue(o[1].seen.isEmpty());
    EgressEvent.Denial d = events.stream()
        .flatMap(e -> e instanceof EgressEvent.Decided x ? x.denial().stream()
            : java.util.stream.Stream.empty())
        .findFirst().orElseThrow();
    assertEquals("rebind.test", d.host());
  }

  // ------------------------------------------------------------------ WebSocket

  record WsServer(EventLoopGroup group, Channel channel) implements AutoCloseable {
    int port() {
      return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
      channel.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  WsServer wsServer() throws InterruptedException {
    EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel ch = new ServerBootstrap().group(g).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel c) {
            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler("/ws"),
                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                    ctx.writeAndFlush(new TextWebSocketFrame("echo: " + f.text()));
                  }
                });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    WsServer s = new WsServer(g, ch);
    closeLater.add(s);
    return s;
  }

  static TestPolicy loopbackNames() {
    return TestPolicy.allowing(Set.of("ws.test"), Set.of("127.0.0.1"));
  }

  static final Resolver WS = name -> List.of(ip("127.0.0.1"));

  @Test
  void websocketUpgradeOverAForwardRequest() throws Exception {
    WsServer ws = wsServer();
    InetSocketAddress proxy = listen(proxy(loopbackNames(), WS));
    try (Raw raw = new Raw(proxy)) {
      raw.send("GET http://ws.test:" + ws.port() + "/ws HTTP/1.1\r\nHost: ws.test\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      assertTrue(raw.line().startsWith("HTTP/1.1 101"));
      boolean accept = false;
      for (String l; !(l = raw.line()).isEmpty(); ) {
        accept |= l.equalsIgnoreCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      }
      assertTrue(accept);
      for (String msg : List.of("hi", "again")) {
        byte[] p = msg.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[6 + p.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | p.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < p.length; i++) {
          frame[6 + i] = (byte) (p[i] ^ mask[i % 4]);
        }
        raw.out.write(frame);
        raw.out.flush();
        assertEquals(0x81, raw.in.read());
        int len = raw.in.read();
        assertEquals("echo: " + msg, new String(raw.in.readNBytes(len), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void jdkWebSocketThroughTheProxy() throws Exception {
    WsServer ws = wsServer();
    InetSocketAddress proxy = listen(proxy(loopbackNames(), WS));
    CompletableFuture<String> got = new CompletableFuture<>();
    WebSocket socket = HttpClient.newBuilder().proxy(ProxySelector.of(proxy)).build()
        .newWebSocketBuilder()
        .buildAsync(URI.create("ws://ws.test:" + ws.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            got.complete(data.toString());
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    socket.sendText("hello", true);
    assertEquals("echo: hello", got.get(10, TimeUnit.SECONDS));
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ adopt

  interface LibC extends Library {
    LibC C = Native.load("c", LibC.class);

    int socket(int domain, int type, int protocol);

    int connect(int fd, byte[] addr, int len);

    int close(int fd);
  }

  /** A connected TCP socket as a bare descriptor, like the bridge hands over: our end is s. */
  static int connectedFd(ServerSocket server) {
    int fd = LibC.C.socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
    assertTrue(fd >= 0);
    byte[] sa = new byte[16];
    sa[0] = 2; // sin_family, little-endian short
    int port = server.getLocalPort();
    sa[2] = (byte) (port >> 8);
    sa[3] = (byte) port;
    sa[4] = 127;
    sa[7] = 1;
    assertEquals(0, LibC.C.connect(fd, sa, sa.length));
    return fd;
  }

  @Test
  void adoptedSocketsCarryThePeerIdentity() throws Exception {
    try (Origin origin = Origin.start("origin");
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      TestPolicy policy = TestPolicy.allowing(Set.of("origin.test"), Set.of("127.0.0.1"));
      EgressProxy p = proxy(policy, name -> List.of(ip("127.0.0.1")));
      org.junit.jupiter.api.Assumptions.assumeTrue(p.nativeTransport(), "epoll needed");
      int fd = connectedFd(server);
      try (Socket s = server.accept()) {
        s.setSoTimeout(10_000);
        p.adopt(fd, Peer.of(4242, "/usr/bin/curl"));
        s.getOutputStream().write(("GET http://origin.test:" + origin.port()
            + "/hello HTTP/1.1\r\nHost: origin.test\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] buf = new byte[4096];
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().contains("hello from origin")) {
          int n = s.getInputStream().read(buf);
          if (n < 0) {
            break;
          }
          sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        assertTrue(sb.toString().startsWith("HTTP/1.1 200"), sb.toString());
        assertTrue(sb.toString().contains("hello from origin"));
      }
      EgressRequest seen = policy.seen().getFirst();
      assertEquals(Optional.of("/usr/bin/curl"), seen.binary());
      EgressEvent.Decided d = (EgressEvent.Decided) events.getFirst();
      assertEquals(Optional.of(4242), d.peer().pid());
      JsonNode line = JSON.readTree(d.toJsonLine());
      assertEquals(4242, line.get("pid").asInt());
      assertEquals("/usr/bin/curl", line.get("exe").asText());
    }
  }

  @Test
  void adoptRefusesSomethingThatIsNotASocket() throws Exception {
    EgressProxy p = proxy(TestPolicy.allowAllNames(), name -> List.of());
    org.junit.jupiter.api.Assumptions.assumeTrue(p.nativeTransport(), "epoll needed");
    org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> p.adopt(999_999, Peer.unknown()));
  }
}
