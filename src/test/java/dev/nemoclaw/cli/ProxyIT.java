package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Egress through the real proxy from a real sandbox, with real clients (curl, wget, git, pip, npm,
 * Java's HttpClient, Python's urllib) against real origin servers. The origins listen on
 * 203.0.113.7 (TEST-NET-3, added to the host's loopback device for the test), so they are "public"
 * to the SSRF guard; the names the sandbox uses resolve there through a hosts file given to the
 * supervisor's JVM ({@code -Djdk.net.hosts.file}). Needs root (to add the address).
 */
class ProxyIT {
  static final String IP = TestNet.IP;
  static final long BIG = 1L << 30;

  @TempDir static Path work;
  static HttpServer http;
  static HttpsServer https;
  static int httpPort;
  static int httpsPort;
  static Path hosts;
  static String bigSha256;
  static final Queue<String> seen = new ConcurrentLinkedQueue<>();
  static boolean addedAddress;

  @BeforeAll
  static void origins() throws Exception {
    addedAddress = TestNet.add();
    http = TestNet.http(200, ProxyIT::serve);
    httpPort = http.getAddress().getPort();
    https = TestNet.https(0, tls(), ProxyIT::serve);
    httpsPort = https.getAddress().getPort();
    hosts = work.resolve("hosts");
    Files.writeString(hosts, IP + " origin.test api.origin.test other.test example.com pastebin.com"
        + " origin.test.evil.test plain.test"
        + " registry.npmjs.org github.com\n127.0.0.1 loop.test\n");
    bigSha256 = sha256OfBig();
    // the sandbox uid must reach the mounted fixtures
    Files.createDirectories(work.resolve("fetch"));
    TestNet.readableBySandbox(work);
    gitRepo();
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.stop(0);
      https.stop(0);
    }
    TestNet.remove(addedAddress);
  }

  /** Serves a page, a packument, a pip index, a git repo (dumb HTTP) and 1 GiB of bytes. */
  static void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    seen.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Host") + path + " "
        + ex.getRequestHeaders().getFirst("User-Agent"));
    ex.getRequestBody().readAllBytes();
    if (path.equals("/big")) {
      ex.sendResponseHeaders(200, BIG);
      try (OutputStream o = ex.getResponseBody()) {
        byte[] chunk = bigChunk();
        for (long sent = 0; sent < BIG; sent += chunk.length) {
          o.write(chunk);
        }
      }
      return;
    }
    byte[] body;
    String type = "text/plain";
    Path file = work.resolve("www").resolve(path.substring(1)).normalize();
    if (path.startsWith("/repo.git/") && file.startsWith(work.resolve("www"))
        && Files.isRegularFile(file)) {
      body = Files.readAllBytes(file);
    } else if (path.equals("/demo")) {
      type = "application/json";
      body = ("{\"name\":\"demo\",\"dist-tags\":{\"latest\":\"1.2.3\"},\"versions\":{\"1.2.3\":"
          + "{\"name\":\"demo\",\"version\":\"1.2.3\",\"dist\":{\"tarball\":\"http://origin.test:"
          + httpPort + "/demo.tgz\"}}}}").getBytes();
    } else if (path.startsWith("/simple/")) {
      type = "text/html";
      body = "<html><body><a href=\"/files/demo-1.0.tar.gz\">demo-1.0.tar.gz</a></body></html>"
          .getBytes();
    } else if (path.startsWith("/repo.git/")) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    } else {
      body = ("hello from origin " + ex.getRequestMethod() + " " + path + "\n").getBytes();
    }
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  static byte[] bigChunk() {
    byte[] chunk = new byte[1 << 20];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) (i * 31 + (i >> 8));
    }
    return chunk;
  }

  static String sha256OfBig() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] chunk = bigChunk();
    for (long n = 0; n < BIG; n += chunk.length) {
      md.update(chunk);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static SSLContext tlsContext;

  static synchronized SSLContext tls() throws Exception {
    if (tlsContext == null) {
      tlsContext = TestNet.selfSigned(work, "origin.test", "api.origin.test");
    }
    return tlsContext;
  }

  /** A bare repository served over git's dumb HTTP protocol from www/repo.git. */
  static void gitRepo() throws Exception {
    Path src = work.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("README"), "hi\n");
    String script = "cd " + src + " && git init -q -b main && git add README"
        + " && git -c user.name=t -c user.email=t@t commit -qm one"
        + " && git clone -q --bare . " + work.resolve("www/repo.git")
        + " && cd " + work.resolve("www/repo.git") + " && git update-server-info";
    Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }

  Path spec(String name, String network) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, ("apiVersion: nemoclaw.dev/v1\nname: %s\ncommand: [\"true\"]\n"
        + "mounts:\n  - {source: ./fetch, target: /fetch}\n"
        + "network:\n  mode: proxy\n  unknown: deny\n%s").formatted(name,
            network.replace("HTTPS", "" + httpsPort).replace("HTTP", "" + httpPort)));
    return f;
  }

  static final String POLICY = """
        allow:
          - {host: origin.test, ports: [HTTP, HTTPS]}
          - {host: "*.origin.test", ports: [HTTP, HTTPS], methods: [GET], paths: ["/repos/**"]}
          - {host: other.test, ports: [HTTP], binaries: [/usr/bin/wget]}
          - {host: loop.test, ports: [HTTP]}
          - {host: plain.test, ports: [HTTP]}
        deny:
          - {host: origin.test, ports: [HTTP], paths: ["/secret/**"]}
      """;

  Cli.Result sandbox(Path spec, String script, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", spec.toString()));
    args.addAll(List.of(extra));
    args.addAll(List.of("--", "sh", "-c", script));
    return Cli.run(env(), null, args.toArray(String[]::new));
  }

  static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  Map<String, String> env() {
    return Map.of("NEMOCLAW_HOME", work.resolve("home").toString(),
        "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts);
  }

  static JsonNode json(String s) throws IOException {
    return new ObjectMapper().readTree(s);
  }

  /** Lines "NAME: ..." of a sandbox script's output, by name. */
  static String line(Cli.Result r, String name) {
    return r.stdout().lines().filter(l -> l.startsWith(name + ": ")).findFirst()
        .map(l -> l.substring(name.length() + 2)).orElseThrow(() -> new AssertionError(
            "no line " + name + "\n" + r));
  }

  @Test
  void allowedPassesDeniedAndUnknownGet403WithJson() throws Exception {
    allowedAndDenied();
  }

  /** The same proxy, policy and peer identity when the sandbox is a Docker container. */
  @Test
  void onDockerTheSamePolicyHoldsWithTheSameIdentity() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    allowedAndDenied("--backend", "docker");
    layer7AndBinaries("--backend", "docker");
    ssrf("--backend", "docker");
  }

  private void allowedAndDenied(String... backend) throws Exception {
    Path f = spec("px-basic", POLICY);
    Cli.Result r = sandbox(f, """
        echo "page: $(curl -s http://origin.test:HTTP/hello)"
        echo "unknown: $(curl -s -D /tmp/h http://unknown.test:HTTP/x)"
        echo "unknown-header: $(grep -i '^x-nemoclaw-decision' /tmp/h | tr -d '\\r')"
        echo "unknown-status: $(head -1 /tmp/h | tr -d '\\r')"
        echo "denywins: $(curl -s http://origin.test:HTTP/secret/key)"
        echo "tls: $(curl -sk https://origin.test:HTTPS/hello)"
        """.replace("HTTPS", "" + httpsPort).replace("HTTP", "" + httpPort),
        concat(backend, "--report", work.resolve("px-basic.json").toString()));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello from origin GET /hello", line(r, "page"));
    assertEquals("hello from origin GET /hello", line(r, "tls"));
    JsonNode unknown = json(line(r, "unknown"));
    assertEquals("policy_denied", unknown.path("error").asText(), r::toString);
    assertEquals("unknown.test", unknown.path("host").asText());
    assertEquals(httpPort, unknown.path("port").asInt());
    assertFalse(unknown.path("hint").asText().isBlank(), r::toString);
    assertTrue(line(r, "unknown-header").matches("(?i)x-nemoclaw-decision: deny"), r::toString);
    assertTrue(line(r, "unknown-status").contains("403"), r::toString);
    JsonNode deny = json(line(r, "denywins"));
    assertTrue(deny.path("rule").asText().contains("network.deny[0]"), r::toString);
    assertFalse(seen.stream().anyMatch(s -> s.contains("/secret/")), "origin saw /secret/");
    assertFalse(seen.stream().anyMatch(s -> s.contains("unknown.test")), "origin saw unknown");
    JsonNode report = json(Files.readString(work.resolve("px-basic.json")));
    assertTrue(report.path("denied").toString().contains("unknown.test"), report::toString);
    assertTrue(report.path("denied").toString().contains("/secret/key"), report::toString);
  }

  @Test
  void methodsPathsWildcardsAndBinaries() throws Exception {
    layer7AndBinaries();
  }

  private void layer7AndBinaries(String... backend) throws Exception {
    Path f = spec("px-l7", POLICY);
    Cli.Result r = sandbox(f, """
        echo "get: $(curl -s http://api.origin.test:HTTP/repos/a)"
        echo "post: $(curl -s -X POST http://api.origin.test:HTTP/repos/a | head -c 40)"
        echo "path: $(curl -s http://api.origin.test:HTTP/admin | head -c 40)"
        echo "traversal: $(curl -s --path-as-is http://api.origin.test:HTTP/repos/../admin | head -c 40)"
        echo "confusion: $(curl -s http://origin.test.evil.test:HTTP/repos/a | head -c 40)"
        echo "tunnel: $(curl -sk https://api.origin.test:HTTPS/repos/a 2>&1; echo " exit=$?")"
        echo "curl-binary: $(curl -s http://other.test:HTTP/x | head -c 40)"
        echo "wget-binary: $(wget -qO- http://other.test:HTTP/x)"
        """.replace("HTTPS", "" + httpsPort).replace("HTTP", "" + httpPort), backend);
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello from origin GET /repos/a", line(r, "get"));
    for (String denied : List.of("post", "path", "traversal", "confusion", "curl-binary")) {
      assertTrue(line(r, denied).startsWith("{\"error\":\"policy_denied\""), denied + "\n" + r);
    }
    assertTrue(line(r, "tunnel").contains("exit=56"), r::toString); // CONNECT answered 403
    assertEquals("hello from origin GET /x", line(r, "wget-binary"));
  }

  @Test
  void ssrfSpellingsAndTheProxyItselfAreRefused() throws Exception {
    ssrf();
  }

  private void ssrf(String... backend) throws Exception {
    Path f = spec("px-ssrf", POLICY);
    StringBuilder s = new StringBuilder("echo \"loop: $(curl -s http://loop.test:HTTP/)\"\n");
    List<String> spellings = List.of("0x7f000001", "2130706433", "0177.0.0.1", "127.1",
        "[::ffff:127.0.0.1]", "[::1]", "169.254.169.254", "0.0.0.0", "10.0.0.1", "[fd00:ec2::254]",
        "100.64.0.1", "127.0.0.1:3128");
    for (int i = 0; i < spellings.size(); i++) {
      String target = spellings.get(i).contains(":3128") ? spellings.get(i)
          : spellings.get(i) + ":HTTP";
      s.append("echo \"ip").append(i).append(": $(curl -s --noproxy '' -x http://127.0.0.1:3128"
          + " http://").append(target).append("/ | head -c 60)\"\n");
    }
    s.append("echo \"self-connect: $(curl -s --noproxy '' -x http://127.0.0.1:3128"
        + " -p https://127.0.0.1:3128/ 2>&1; echo \" exit=$?\")\"\n");
    Cli.Result r = sandbox(f, s.toString().replace("HTTP", "" + httpPort), backend);
    assertEquals(0, r.exit(), r::toString);
    assertTrue(line(r, "loop").contains("loopback"), r::toString);
    for (int i = 0; i < spellings.size(); i++) {
      String got = line(r, "ip" + i);
      assertTrue(got.startsWith("{\"error\":\"policy_denied\"") || got.startsWith("{\"error\""),
          spellings.get(i) + " -> " + got + "\n" + r);
    }
    assertFalse(line(r, "self-connect").contains("exit=0"), r::toString);
  }

  @Test
  void everyClientWorksUnmodified() throws Exception {
    Path f = spec("px-clients", POLICY);
    // node's own fetch honours the proxy variables from Node 24 on (NODE_USE_ENV_PROXY); it
    // tunnels even plain http with CONNECT, so it needs a host without L7 (method/path) rules
    Process n = new ProcessBuilder(Cli.REPO.resolve("scripts/node24.sh").toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String node = new String(n.getInputStream().readAllBytes()).strip();
    assertEquals(0, n.waitFor(), "scripts/node24.sh failed");
    Process cp = new ProcessBuilder("cp", "-a", Path.of(node).getParent().getParent().toString(),
        work.resolve("fetch/node24").toString()).inheritIO().start();
    assertEquals(0, cp.waitFor());
    String fetch = """
        public class Fetch {
          public static void main(String[] a) throws Exception {
            var c = java.net.http.HttpClient.newHttpClient();
            var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(a[0])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
            System.out.print(r.body());
          }
        }
        """;
    Files.writeString(work.resolve("fetch/Fetch.java"), fetch);
    Cli.Result r = sandbox(f, """
        cd /tmp
        echo "wget: $(wget -qO- http://origin.test:HTTP/wget)"
        echo "git: $(git ls-remote http://origin.test:HTTP/repo.git 2>&1 | grep -c refs/heads/main)"
        echo "pip: $(python3 -m pip download --no-deps --no-cache-dir -d /tmp/p --trusted-host origin.test --index-url http://origin.test:HTTP/simple/ demo 2>&1 | grep -c 'origin.test')"
        echo "npm: $(npm view demo version --registry http://origin.test:HTTP/ --cache /tmp/npm 2>&1)"
        echo "python: $(python3 -c 'import urllib.request as u; print(u.urlopen("http://origin.test:HTTP/py").read().decode().strip())')"
        cp /fetch/Fetch.java /tmp/ && echo "java: $(java /tmp/Fetch.java http://origin.test:HTTP/java 2>&1 | grep -v Picked)"
        /fetch/node24/bin/node -e 'fetch("http://plain.test:HTTP/node").then(r => r.text()).then(t => console.log("node: " + t.trim()))'
        """.replace("HTTP", "" + httpPort));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello from origin GET /wget", line(r, "wget"));
    assertEquals("1", line(r, "git"));
    assertTrue(seen.stream().anyMatch(x -> x.contains("/simple/demo") && x.contains("pip")),
        () -> "pip never reached the index\n" + r + "\nseen: " + seen);
    assertEquals("1.2.3", line(r, "npm"));
    assertEquals("hello from origin GET /py", line(r, "python"));
    assertEquals("hello from origin GET /java", line(r, "java").strip());
    assertEquals("hello from origin GET /node", line(r, "node"));
  }

  @Test
  void aGibibyteArrivesIntactAndManyConnectionsAtOnce() throws Exception {
    Path f = spec("px-big", POLICY);
    Cli.Result r = sandbox(f, """
        echo "sha: $(curl -s http://origin.test:HTTP/big | sha256sum | cut -d' ' -f1)"
        for i in $(seq 100); do curl -s -o /dev/null -w '%{http_code}\\n' http://origin.test:HTTP/c$i & done > /tmp/codes; wait
        echo "ok200: $(grep -c '^200$' /tmp/codes)"
        """.replace("HTTP", "" + httpPort));
    assertEquals(0, r.exit(), r::toString);
    assertEquals(bigSha256, line(r, "sha"));
    assertEquals("100", line(r, "ok200"));
  }

  @Test
  void smugglingStyleRequestsAreRefused() throws Exception {
    Path f = spec("px-smuggle", POLICY);
    String py = """
        import socket
        def send(raw):
            s = socket.create_connection(("127.0.0.1", 3128)); s.sendall(raw)
            s.settimeout(5); data = b""
            try:
                while True:
                    d = s.recv(65536)
                    if not d: break
                    data += d
            except OSError: pass
            return data.split(b"\\r\\n", 1)[0].decode()
        h = "origin.test:HTTP"
        print("clte:", send(("GET http://%s/a HTTP/1.1\\r\\nHost: %s\\r\\nContent-Length: 6\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET http://%s/smuggled HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n" % (h, h, h, h)).encode()))
        print("doublecl:", send(("POST http://%s/b HTTP/1.1\\r\\nHost: %s\\r\\nContent-Length: 1\\r\\nContent-Length: 30\\r\\n\\r\\nx" % (h, h)).encode()))
        print("garbage:", send(b"\\x16\\x03\\x01 not http at all\\r\\n\\r\\n"))
        print("origin-form:", send(b"GET /x HTTP/1.1\\r\\nHost: origin.test\\r\\n\\r\\n"))
        """.replace("HTTP", "" + httpPort);
    Files.writeString(work.resolve("fetch/smuggle.py"), py);
    Cli.Result r = sandbox(f, "python3 /fetch/smuggle.py");
    assertEquals(0, r.exit(), r::toString);
    for (String k : List.of("clte", "doublecl", "garbage", "origin-form")) {
      assertTrue(line(r, k).matches("HTTP/1\\.[01] 4\\d\\d.*"), k + "\n" + r);
    }
    assertFalse(seen.stream().anyMatch(s -> s.contains("/smuggled")), "origin saw /smuggled");
  }

  /** The same egress, run by an unprivileged user: the bridge and the proxy need no root. */
  @Test
  void rootlessEgressIsGovernedTheSameWay() throws Exception {
    Path f = spec("px-rootless", POLICY);
    Path home = work.resolve("home-rootless");
    Files.createDirectories(home);
    new ProcessBuilder("chown", "65534:65534", home.toString()).start().waitFor();
    Cli.Result r = Cli.run(Map.of("NEMOCLAW_HOME", home.toString(),
            "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts), Cli.ROOTLESS,
        "run", f.toString(), "--", "sh", "-c", """
            echo "page: $(curl -s http://origin.test:HTTP/rootless)"
            echo "unknown: $(curl -s http://unknown.test:HTTP/x)"
            echo "binary: $(curl -s http://other.test:HTTP/x | head -c 40)"
            echo "wget: $(wget -qO- http://other.test:HTTP/w)"
            """.replace("HTTP", "" + httpPort));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("hello from origin GET /rootless", line(r, "page"));
    assertEquals("policy_denied", json(line(r, "unknown")).path("error").asText(), r::toString);
    assertTrue(line(r, "binary").startsWith("{\"error\":\"policy_denied\""), r::toString);
    assertEquals("hello from origin GET /w", line(r, "wget")); // the bridge named wget
  }

  /** A WebSocket echo server on the test address (Netty), for clients inside the sandbox. */
  static io.netty.channel.Channel wsServer(io.netty.channel.EventLoopGroup g) throws Exception {
    return new io.netty.bootstrap.ServerBootstrap().group(g)
        .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
        .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
          @Override
          protected void initChannel(io.netty.channel.Channel c) {
            c.pipeline().addLast(new io.netty.handler.codec.http.HttpServerCodec(),
                new io.netty.handler.codec.http.HttpObjectAggregator(65536),
                new io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler("/ws"),
                new io.netty.channel.SimpleChannelInboundHandler<
                    io.netty.handler.codec.http.websocketx.TextWebSocketFrame>() {
                  @Override
                  protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx,
                      io.netty.handler.codec.http.websocketx.TextWebSocketFrame f) {
                    ctx.writeAndFlush(new io.netty.handler.codec.http.websocketx
                        .TextWebSocketFrame("echo: " + f.text()));
                  }
                });
          }
        }).bind(IP, 0).sync().channel();
  }

  /** WebSockets through the proxy: Java's client (a CONNECT tunnel) and a forward Upgrade. */
  @Test
  void webSocketsCrossTheProxy() throws Exception {
    var group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
        io.netty.channel.nio.NioIoHandler.newFactory());
    try {
      int port = ((InetSocketAddress) wsServer(group).localAddress()).getPort();
      Files.writeString(work.resolve("fetch/Ws.java"), """
          import java.net.URI;
          import java.net.http.*;
          import java.util.concurrent.*;
          public class Ws {
            public static void main(String[] a) throws Exception {
              var got = new CompletableFuture<String>();
              var ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(a[0]),
                  new WebSocket.Listener() {
                    public CompletionStage<?> onText(WebSocket w, CharSequence d, boolean last) {
                      got.complete(d.toString()); return null;
                    }
                  }).get(10, TimeUnit.SECONDS);
              ws.sendText("hi from java", true);
              System.out.println(got.get(10, TimeUnit.SECONDS));
            }
          }
          """);
      Files.writeString(work.resolve("fetch/ws.py"), """
          import base64, os, socket, sys
          s = socket.create_connection(("127.0.0.1", 3128))
          key = base64.b64encode(os.urandom(16)).decode()
          s.sendall(("GET http://plain.test:%s/ws HTTP/1.1\\r\\nHost: plain.test\\r\\nUpgrade: websocket\\r\\n"
                     "Connection: Upgrade\\r\\nSec-WebSocket-Key: %s\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n"
                     % (sys.argv[1], key)).encode())
          head = b""
          while b"\\r\\n\\r\\n" not in head:
              head += s.recv(1)
          print("status:", head.split(b"\\r\\n")[0].decode())
          msg = b"hi from python"; mask = os.urandom(4)
          s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
          hdr = s.recv(2); body = b""
          while len(body) < hdr[1]:
              body += s.recv(hdr[1] - len(body))
          print("python:", body.decode())
          """);
      Cli.Result r = sandbox(spec("px-ws", POLICY.replace("{host: plain.test, ports: [HTTP]}",
          "{host: plain.test, ports: [HTTP, " + port + "]}")), ("cp /fetch/Ws.java /tmp/ && echo \"java: "
          + "$(java /tmp/Ws.java ws://plain.test:" + port + "/ws 2>&1 | grep -v Picked)\"; "
          + "python3 /fetch/ws.py " + port).replace("HTTP", "" + httpPort));
      assertEquals(0, r.exit(), r::toString);
      assertEquals("echo: hi from java", line(r, "java"));
      assertEquals("HTTP/1.1 101 Switching Protocols", line(r, "status"));
      assertEquals("echo: hi from python", line(r, "python"));
    } finally {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** A preset is enforced like the rules it holds: npm's registry yes, GitHub no. */
  @Test
  void presetsAreEnforced() throws Exception {
    HttpsServer on443 = TestNet.https(443, tls(), ProxyIT::serve);
    try {
      Path f = spec("px-preset", "  presets: [npm]\n");
      Cli.Result r = sandbox(f, """
          echo "npm: $(curl -sk https://registry.npmjs.org/demo-preset | head -c 60)"
          echo "github: $(curl -sk https://github.com/ 2>&1; echo " exit=$?")"
          """);
      assertEquals(0, r.exit(), r::toString);
      assertEquals("hello from origin GET /demo-preset", line(r, "npm"));
      assertTrue(line(r, "github").contains("exit=56"), r::toString); // CONNECT got a 403
      assertTrue(r.stderr().contains("egress denied: github.com:443"), r::toString);
    } finally {
      on443.stop(0);
    }
  }
}
