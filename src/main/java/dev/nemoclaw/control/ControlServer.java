package dev.nemoclaw.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The control socket of one running sandbox (docs/control-protocol.md): translates JSON lines to
 * {@link ControlTarget} calls and back, one thread per connection. It decides nothing: what a
 * verdict means is the target's business.
 *
 * <p>Connections have no read timeout: {@code term} and {@code logs -f} subscribe and then send
 * nothing for as long as they watch. Only the owner's uid and root get past the socket's 0600 (in
 * a 0700 directory) and the {@code SO_PEERCRED} check, and the agent cannot reach the socket at
 * all, so an idle connection is a local client's own doing; what bounds the cost of a runaway one
 * (a thread, a 64 KiB buffer, an event queue each) is {@link #MAX_CONNECTIONS}: beyond it a new
 * connection is answered {@code busy} and closed, and accepting goes on.
 */
public final class ControlServer implements AutoCloseable {
  /** The longest request line accepted (1 MiB); longer ones get {@code bad_request}. */
  public static final int MAX_LINE = 1 << 20;
  /** Events a subscriber may fall behind by before it is dropped. */
  static final int EVENT_QUEUE = 4096;
  /** How long the final event to a dropped subscriber may take before the connection is cut. */
  static final Duration DROP_GRACE = Duration.ofSeconds(2);
  /** Connections served at once; more are answered {@code busy} and closed. */
  static final int MAX_CONNECTIONS = 256;
  static final List<String> TOPICS =
      List.of("approvals", "egress", "inference", "stats", "output", "lifecycle");
  static final Set<String> VERDICTS = Set.of("once", "session", "always", "deny", "deny-always");
  static final Set<String> CHANNELS = Set.of("tui", "cli", "api");

  private final Path socket;
  private final ControlTarget target;
  private final ServerSocketChannel server;
  private final UserPrincipal self;
  private final UserPrincipal root;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;
  private final int maxConnections;

  private ControlServer(Path socket, ControlTarget target, ServerSocketChannel server,
      UserPrincipal self, UserPrincipal root, int maxConnections) {
    this.maxConnections = maxConnections;
    this.socket = socket;
    this.target = target;
    this.server = server;
    this.self = self;
    this.root = root;
    // Platform threads for socket I/O: a virtual thread's blocking I/O starts the JDK's poller
    // threads, which sit in native code for the life of the JVM and so delay every exit by the
    // ~300 ms HotSpot waits for threads in native. Operators are few; threads are cheap here.
    this.acceptor = Thread.ofPlatform().daemon().name("control-accept " + socket.getFileName())
        .unstarted(this::acceptLoop);
  }

  /**
   * Listens on {@code socket}: its directory is created 0700 (and must be ours), the socket is
   * bound under a private name in it, made 0600, then renamed into place, so it is never
   * connectable with looser permissions. Refuses when a live server already answers there;
   * replaces a dead socket file.
   */
  public static ControlServer start(Path socket, ControlTarget target) throws IOException {
    return start(socket, target, MAX_CONNECTIONS);
  }

  /** As {@link #start(Path, ControlTarget)}, with another bound on connections (tests). */
  static ControlServer start(Path socket, ControlTarget target, int maxConnections)
      throws IOException {
    socket = socket.toAbsolutePath();
    Path dir = socket.getParent();
    privateDir(dir);
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      if (answers(socket)) {
        throw new IOException("a control socket is already listening at " + socket
            + " (is a sandbox of that name running?)");
      }
    }
    byte[] rnd = new byte[6];
    // only a unique name inside our 0700 directory: no secret, so no SecureRandom start-up cost
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(rnd);
    Path tmp = dir.resolve(".bind-" + HexFormat.of().formatHex(rnd) + ".sock");
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.bind(UnixDomainSocketAddress.of(tmp), 512);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      UserPrincipal self = Files.getOwner(tmp, LinkOption.NOFOLLOW_LINKS);
      Files.move(tmp, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      UserPrincipal root = dir.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName("0");
      ControlServer s = new ControlServer(socket, target, ch, self, root, maxConnections);
      s.acceptor.start();
      return s;
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      if (e instanceof java.net.SocketException && String.valueOf(e.getMessage()).contains("too long")) {
        throw new IOException("control socket path too long for a Unix socket (max 107 bytes): "
            + socket + "; set NEMOCLAW_HOME or XDG_RUNTIME_DIR to a shorter directory", e);
      }
      throw e;
    }
  }

  /** Creates {@code dir} 0700, or checks an existing one is a directory of ours and makes it 0700. */
  static void privateDir(Path dir) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory");
      }
    }
    // createDirectory applies the umask only to bits it is given; set it exactly anyway
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  /** True when something accepts connections at {@code socket}. */
  static boolean answers(Path socket) {
    try (SocketChannel _ = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (ConnectException | NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      // refused for another reason (permissions): someone is there
      return !(e instanceof java.net.SocketException se
          && String.valueOf(se.getMessage()).contains("No such file"));
    }
  }

  public Path socket() {
    return socket;
  }

  /** Connections open now (each has its own thread). */
  int connections() {
    return connections.size();
  }

  private void acceptLoop() {
    while (!closed.get()) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed.get()) {
          return;
        }
        // EMFILE and the like: do not spin
        sleep(Duration.ofMillis(50));
        continue;
      }
      if (connections.size() >= maxConnections) {
        busy(c);
        continue;
      }
      Connection conn = new Connection(c);
      connections.add(conn);
      Thread.ofPlatform().daemon().name("control " + socket.getFileName()).start(conn::serve);
    }
  }

  /**
   * Refuses a connection over the bound, from the accepting thread: one short line fits any
   * socket buffer, so the write does not block. The channel is closed a second later, not at
   * once: until then the peer's request still goes somewhere, so the peer gets to read why
   * instead of failing its write with a broken pipe.
   */
  private void busy(SocketChannel c) {
    try {
      byte[] b = Lines.JSON.writeValueAsBytes(error(null, "busy", "this sandbox already serves "
          + maxConnections + " control connections; close some (idle `nemoclaw term` or "
          + "`logs -f` clients?) and try again"));
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(b.length + 1).put(b)
          .put((byte) '\n').flip();
      c.configureBlocking(false);
      c.write(buf);
      c.shutdownOutput();
    } catch (IOException e) {
      // the peer is gone already
    }
    Thread.ofVirtual().start(() -> {
      sleep(Duration.ofSeconds(1));
      try {
        c.close();
      } catch (IOException e) {
        // closed already
      }
    });
  }

  /** Stops listening, closes every connection and every subscription, removes the socket file. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing: nothing to do
    }
    for (Connection c : List.copyOf(connections)) {
      c.shutdown();
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // the registry sweeps a leftover socket
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A protocol error answered to the peer. */
  private static final class BadRequest extends Exception {
    final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private final class Connection {
    private final SocketChannel ch;
    private final Lines lines;
    private final BlockingQueue<ObjectNode> events = new ArrayBlockingQueue<>(EVENT_QUEUE);
    private final AtomicBoolean dropped = new AtomicBoolean();
    private volatile AutoCloseable subscription;
    private volatile Thread pump;
    /**
     * The peer stopped reading (a write failed): answers and events are dropped, but requests it
     * sent whole before going are still carried out, so whether a {@code decide} pipelined behind
     * another request counts does not depend on when the peer's close lands.
     */
    private volatile boolean answersLost;
    private String user = "?";

    Connection(SocketChannel ch) {
      this.ch = ch;
      this.lines = new Lines(ch, MAX_LINE);
    }

    void serve() {
      try {
        if (!admitted()) {
          return;
        }
        while (!closed.get()) {
          String line;
          try {
            line = lines.read();
          } catch (Lines.TooLong e) {
            answer(error(null, "bad_request", "request line longer than 1 MiB"));
            continue;
          }
          if (line == null) {
            return;
          }
          if (line.isBlank()) {
            continue;
          }
          handle(line);
        }
      } catch (IOException e) {
        // the peer went away or the server closed: nothing to tell anyone
      } finally {
        shutdown();
      }
    }

    private boolean admitted() throws IOException {
      UnixDomainPrincipal peer;
      try {
        peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
      } catch (IOException | UnsupportedOperationException e) {
        lines.write(error(null, "forbidden", "cannot tell who is connecting: " + e.getMessage()));
        return false;
      }
      user = peer.user().getName();
      if (!peer.user().equals(self) && !peer.user().equals(root)) {
        String who = self.equals(root) ? "root" : "its owner (" + self.getName() + ") and root";
        lines.write(error(null, "forbidden", "user " + user
            + " may not control this sandbox; only " + who + " may"));
        refuse();
        return false;
      }
      return true;
    }

    /**
     * Ends a refused connection with a clean end of stream: closing with its request still unread
     * would reset the connection before the peer reads why.
     */
    private void refuse() throws IOException {
      ch.shutdownOutput();
      Thread.ofVirtual().start(() -> {
        sleep(Duration.ofSeconds(1));
        shutdown();
      });
      java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(4096);
      long total = 0;
      while (total < MAX_LINE) {
        sink.clear();
        int n = ch.read(sink);
        if (n < 0) {
          break;
        }
        total += n;
      }
    }

    /** Writes one answer; a peer that no longer reads loses it (see {@link #answersLost}). */
    private void answer(ObjectNode line) {
      if (answersLost) {
        return;
      }
      try {
        lines.write(line);
      } catch (IOException e) {
        answersLost = true;
        closeSubscription();
      }
    }

    private void handle(String line) {
      JsonNode req;
      try {
        req = Lines.JSON.readTree(line);
      } catch (JsonProcessingException e) {
        answer(error(null, "bad_request", "invalid JSON: " + e.getOriginalMessage()));
        return;
      }
      if (req == null || !req.isObject()) {
        answer(error(null, "bad_request", "a request is a JSON object"));
        return;
      }
      JsonNode idNode = req.get("id");
      JsonNode id = idNode != null && (idNode.isNumber() || idNode.isTextual()) ? idNode : null;
      JsonNode op = req.get("op");
      if (op == null || !op.isTextual()) {
        answer(error(id, "bad_request", "missing \"op\" (a string)"));
        return;
      }
      ObjectNode result;
      try {
        result = dispatch(op.asText(), (ObjectNode) req);
      } catch (BadRequest e) {
        answer(error(id, e.code, e.getMessage()));
        return;
      } catch (ControlTarget.ControlError e) {
        ObjectNode err = error(id, e.code(), e.getMessage());
        if (e.details() != null) {
          e.details().properties().forEach(f -> {
            if (!err.has(f.getKey())) {
              err.set(f.getKey(), f.getValue());
            }
          });
        }
        answer(err);
        return;
      } catch (RuntimeException e) {
        // the target failed: the peer gets what, never how (no stack trace crosses the socket)
        answer(error(id, "internal", "the supervisor failed to answer " + op.asText() + ": "
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        return;
      }
      ObjectNode ok = Lines.JSON.createObjectNode();
      ok.set("id", id);
      ok.put("ok", true);
      ok.set("result", result);
      answer(ok);
      if (answersLost) {
        closeSubscription();
      } else if (subscription != null && pump == null) {
        // events queued while the answer was being prepared go out after it, in order
        pump = Thread.ofPlatform().daemon().name("control-events " + socket.getFileName())
            .start(this::pump);
      }
    }

    private ObjectNode dispatch(String op, ObjectNode req)
        throws BadRequest, ControlTarget.ControlError {
      return switch (op) {
        case "hello" -> target.hello();
        case "status" -> target.status();
        case "approvals" -> {
          ObjectNode r = Lines.JSON.createObjectNode();
          ArrayNode items = r.putArray("items");
          target.approvals().forEach(items::add);
          yield r;
        }
        case "decide" -> decide(req);
        case "explain" -> {
          String host = text(req, "host", true);
          JsonNode port = req.get("port");
          if (port == null || !port.canConvertToInt() || port.asInt() < 1 || port.asInt() > 65535) {
            throw new BadRequest("bad_request", "port must be a number 1..65535");
          }
          yield target.explain(host, port.asInt(), Optional.ofNullable(text(req, "method", false)),
              Optional.ofNullable(text(req, "path", false)),
              Optional.ofNullable(text(req, "binary", false)));
        }
        case "stop" -> {
          Duration grace = Duration.ofSeconds(10);
          JsonNode g = req.get("graceSeconds");
          if (g != null && !g.isNull()) {
            if (!g.isNumber() || g.asDouble() < 0 || g.asDouble() > 86_400) {
              throw new BadRequest("bad_request", "graceSeconds must be a number of seconds, 0 to 86400");
            }
            grace = Duration.ofMillis(Math.round(g.asDouble() * 1000));
          }
          Duration d = grace;
          // the supervisor may take the whole grace period to stop: answer now
          Thread.ofVirtual().name("control-stop").start(() -> {
            try {
              target.stop(d);
            } catch (RuntimeException e) {
              // the peer has its answer; the supervisor reports its own failures
            }
          });
          ObjectNode r = Lines.JSON.createObjectNode();
          r.put("stopping", true);
          yield r;
        }
        case "subscribe" -> {
          List<String> topics = topics(req.get("topics"));
          subscribe(topics);
          ObjectNode r = Lines.JSON.createObjectNode();
          ArrayNode t = r.putArray("topics");
          topics.forEach(t::add);
          yield r;
        }
        case "logs" -> {
          JsonNode f = req.get("follow");
          if (f != null && !f.isNull() && !f.isBoolean()) {
            throw new BadRequest("bad_request", "follow must be true or false");
          }
          if (f != null && f.asBoolean()) {
            // subscribe before reading the backlog: a line may show twice, none goes missing
            subscribe(List.of("output", "egress", "lifecycle"));
          }
          ObjectNode r = Lines.JSON.createObjectNode();
          ArrayNode out = r.putArray("lines");
          target.recentLog().forEach(out::add);
          yield r;
        }
        default -> throw new BadRequest("unknown_op", "unknown op \"" + op
            + "\"; ops are hello, status, approvals, decide, explain, stop, subscribe, logs");
      };
    }

    private ObjectNode decide(ObjectNode req) throws BadRequest, ControlTarget.ControlError {
      String approval = text(req, "approval", true);
      String verdict = text(req, "verdict", true);
      if (!VERDICTS.contains(verdict)) {
        throw new BadRequest("bad_request", "verdict must be one of once, session, always, deny, deny-always");
      }
      String channel = text(req, "channel", false);
      channel = channel == null ? "api" : channel;
      if (!CHANNELS.contains(channel)) {
        throw new BadRequest("bad_request", "channel must be one of tui, cli, api");
      }
      String ttlText = text(req, "ttl", false);
      Duration ttl = null;
      if (ttlText != null) {
        ttl = Durations.parse(ttlText)
            .orElseThrow(() -> new BadRequest("bad_request",
                "ttl '" + ttlText + "' is not a duration such as 30s, 5m, 1h"));
      }
      int uses = 0;
      JsonNode u = req.get("uses");
      if (u != null && !u.isNull()) {
        if (!u.canConvertToInt() || !u.isIntegralNumber() || u.asInt() < 1) {
          throw new BadRequest("bad_request", "uses must be a whole number ≥ 1");
        }
        uses = u.asInt();
      }
      return target.decide(approval, verdict, ttl, uses, channel, user);
    }

    private static String text(ObjectNode req, String field, boolean required) throws BadRequest {
      JsonNode n = req.get(field);
      if (n == null || n.isNull()) {
        if (required) {
          throw new BadRequest("bad_request", "missing \"" + field + "\" (a string)");
        }
        return null;
      }
      if (!n.isTextual() || n.asText().isEmpty() || n.asText().length() > 1024) {
        throw new BadRequest("bad_request", "\"" + field + "\" must be a non-empty string");
      }
      return n.asText();
    }

    private static List<String> topics(JsonNode n) throws BadRequest {
      if (n == null || !n.isArray() || n.isEmpty()) {
        throw new BadRequest("bad_request", "topics must be a non-empty array of: "
            + String.join(", ", TOPICS));
      }
      Set<String> out = new LinkedHashSet<>();
      for (JsonNode t : n) {
        if (!t.isTextual() || !TOPICS.contains(t.asText())) {
          throw new BadRequest("bad_request", "unknown topic " + t
              + "; topics are " + String.join(", ", TOPICS));
        }
        out.add(t.asText());
      }
      return new ArrayList<>(out);
    }

    /** A later subscribe replaces the earlier one on the same connection. */
    private synchronized void subscribe(List<String> topics) {
      closeSubscription();
      subscription = target.subscribe(topics, this::offer);
    }

    /** Called by the supervisor's threads: never blocks. */
    private void offer(ObjectNode event) {
      if (dropped.get() || closed.get()) {
        return;
      }
      if (!events.offer(event)) {
        if (dropped.compareAndSet(false, true)) {
          // the pump sends the final event and closes the connection (interrupting it would
          // close the channel mid-write, so it notices on its own within a poll); a pump stuck
          // writing to a peer that reads nothing at all is cut when the grace ends
          Thread.ofVirtual().start(() -> {
            closeSubscription();
            sleep(DROP_GRACE);
            shutdown();
          });
        }
      }
    }

    /**
     * Sends queued events until the connection ends (its channel closes) or the subscriber is
     * dropped for falling behind; only a drop sends the final event and cuts the connection.
     */
    private void pump() {
      try {
        while (!dropped.get()) {
          if (!ch.isOpen() || answersLost) {
            return; // the connection ended, or its peer stopped reading: nothing to send
          }
          ObjectNode e;
          try {
            e = events.poll(100, TimeUnit.MILLISECONDS);
          } catch (InterruptedException ie) {
            continue; // shutdown() interrupts: the loop looks at the channel again
          }
          if (e != null && !dropped.get()) {
            lines.write(e);
          }
        }
        events.clear();
        // the peer is slow, so this write may hang: offer() started the grace that cuts it
        ObjectNode last = Lines.JSON.createObjectNode();
        last.put("event", "error");
        last.put("error", "slow_subscriber");
        last.put("message", "dropped: fell more than " + EVENT_QUEUE
            + " events behind; reconnect and subscribe again");
        lines.write(last);
        shutdown();
      } catch (IOException e) {
        // the peer stopped reading or went away: no more events; the serving thread still
        // carries out what it already sent and ends the connection at its end of stream
        answersLost = true;
        closeSubscription();
        if (dropped.get()) {
          shutdown();
        }
      }
    }

    private void closeSubscription() {
      AutoCloseable s = subscription;
      subscription = null;
      if (s != null) {
        try {
          s.close();
        } catch (Exception e) {
          // the target's handle failed to close: nothing more to do for this peer
        }
      }
    }

    void shutdown() {
      connections.remove(this);
      closeSubscription();
      try {
        ch.close();
      } catch (IOException e) {
        // already closed
      }
      Thread p = pump;
      if (p != null && p != Thread.currentThread()) {
        p.interrupt();
      }
    }
  }

  static ObjectNode error(JsonNode id, String code, String message) {
    ObjectNode e = Lines.JSON.createObjectNode();
    e.set("id", id);
    e.put("ok", false);
    e.put("error", code);
    e.put("message", message);
    return e;
  }
}
