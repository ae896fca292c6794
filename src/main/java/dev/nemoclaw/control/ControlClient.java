package dev.nemoclaw.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of one sandbox's control socket (docs/control-protocol.md). {@link #call} is
 * request/response on this connection; {@link #subscribe} and {@link #open} stream events on a
 * connection of their own. Not for concurrent {@link #call}s from several threads at once.
 */
public final class ControlClient implements AutoCloseable {
  /** How long {@link #call} waits for an answer by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** Answers may be large (a long log backlog): 64 MiB is the most a client reads in one line. */
  static final int MAX_LINE = 64 << 20;

  private final Path socket;
  private final Duration timeout;
  private final SocketChannel ch;
  private final Lines lines;
  private final AtomicLong ids = new AtomicLong();

  private ControlClient(Path socket, Duration timeout, SocketChannel ch) {
    this.socket = socket;
    this.timeout = timeout;
    this.ch = ch;
    this.lines = new Lines(ch, MAX_LINE);
  }

  public static ControlClient connect(Path socket) throws IOException {
    return connect(socket, DEFAULT_TIMEOUT);
  }

  /** Connects; {@code timeout} bounds each {@link #call}. */
  public static ControlClient connect(Path socket, Duration timeout) throws IOException {
    return new ControlClient(socket, timeout, open(socket));
  }

  private static SocketChannel open(Path socket) throws IOException {
    try {
      // a full listen backlog answers EAGAIN rather than making connect wait: wait here instead
      for (int attempt = 0; ; attempt++) {
        try {
          return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (java.net.SocketException e) {
          if (attempt >= 100 || !String.valueOf(e.getMessage()).contains("temporarily unavailable")) {
            throw e;
          }
          sleep(20);
        }
      }
    } catch (ConnectException e) {
      throw new ConnectException("nothing listens at " + socket + " (the sandbox has stopped?)");
    } catch (IOException e) {
      throw new IOException("cannot connect to " + socket + ": " + e.getMessage(), e);
    }
  }

  public Path socket() {
    return socket;
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while connecting");
    }
  }

  /**
   * Sends {@code op} with {@code args} (may be null) and returns its {@code result}; an error answer
   * is thrown as {@link ControlTarget.ControlError} with the protocol's code and extra fields.
   * No answer within the timeout is an {@link IOException} and leaves this client closed.
   */
  public ObjectNode call(String op, ObjectNode args) throws IOException, ControlTarget.ControlError {
    long id = ids.incrementAndGet();
    ObjectNode req = request(id, op, args);
    AtomicBoolean timedOut = new AtomicBoolean();
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(timeout);
        timedOut.set(true);
        ch.close();
      } catch (InterruptedException | IOException e) {
        // answered in time
      }
    });
    try {
      lines.write(req);
      while (true) {
        String line = lines.read();
        if (line == null) {
          throw new IOException("the sandbox closed its control connection (" + socket + ")");
        }
        JsonNode resp = parse(line);
        if (resp.has("event")) {
          continue;
        }
        JsonNode rid = resp.get("id");
        if (rid != null && !rid.isNull() && rid.asLong() != id) {
          continue;
        }
        return unwrap(resp);
      }
    } catch (AsynchronousCloseException e) {
      if (timedOut.get()) {
        throw new IOException("no answer to \"" + op + "\" from " + socket + " within "
            + timeout.toMillis() / 1000.0 + "s (is the sandbox's supervisor hung?)");
      }
      throw e;
    } finally {
      watchdog.interrupt();
    }
  }

  /** {@code call(op, null)}. */
  public ObjectNode call(String op) throws IOException, ControlTarget.ControlError {
    return call(op, null);
  }

  /**
   * Subscribes to {@code topics} on a connection of its own; {@code events} is called, on a thread
   * of the subscription's, for each event line until the subscription is closed or the server ends
   * it (the sandbox stopped, or dropped a slow subscriber after an {@code error} event).
   */
  public Subscription subscribe(List<String> topics, Consumer<ObjectNode> events)
      throws IOException, ControlTarget.ControlError {
    ObjectNode args = Lines.JSON.createObjectNode();
    ArrayNode t = args.putArray("topics");
    topics.forEach(t::add);
    return open(socket, timeout, "subscribe", args, events);
  }

  /**
   * Sends {@code op} on a new connection and keeps it open for the events that follow its answer
   * (as {@code logs} with {@code follow} does).
   */
  public Subscription open(String op, ObjectNode args, Consumer<ObjectNode> events)
      throws IOException, ControlTarget.ControlError {
    return open(socket, timeout, op, args, events);
  }

  private static Subscription open(Path socket, Duration timeout, String op, ObjectNode args,
      Consumer<ObjectNode> events) throws IOException, ControlTarget.ControlError {
    ControlClient c = connect(socket, timeout);
    try {
      ObjectNode result = c.call(op, args);
      return new Subscription(c, result, events);
    } catch (IOException | ControlTarget.ControlError | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      ch.close();
    } catch (IOException e) {
      // already closed
    }
  }

  /** A stream of events; {@link #close()} ends it. */
  public static final class Subscription implements AutoCloseable {
    private final ControlClient client;
    private final ObjectNode result;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean closing;

    private Subscription(ControlClient client, ObjectNode result, Consumer<ObjectNode> events) {
      this.client = client;
      this.result = result;
      Thread.ofVirtual().name("control-subscription " + client.socket.getFileName()).start(() -> {
        try {
          String line;
          while ((line = client.lines.read()) != null) {
            JsonNode n;
            try {
              n = Lines.JSON.readTree(line);
            } catch (JsonProcessingException e) {
              continue;
            }
            if (n instanceof ObjectNode o && o.has("event")) {
              events.accept(o);
            }
          }
        } catch (IOException e) {
          // closed by us or by the server
        } finally {
          client.close();
          ended.countDown();
        }
      });
    }

    /** The answer to the request that opened the stream. */
    public ObjectNode result() {
      return result;
    }

    /** Blocks until the stream ends: the server closed it, or {@link #close()}. */
    public void await() throws InterruptedException {
      ended.await();
    }

    /** True if the stream ended within {@code d}. */
    public boolean await(Duration d) throws InterruptedException {
      return ended.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True when the server ended the stream (rather than {@link #close()}). */
    public boolean endedByServer() {
      return ended.getCount() == 0 && !closing;
    }

    @Override
    public void close() {
      closing = true;
      client.close();
    }
  }

  private static ObjectNode request(long id, String op, ObjectNode args) {
    ObjectNode req = Lines.JSON.createObjectNode();
    req.put("id", id);
    req.put("op", op);
    if (args != null) {
      args.properties().forEach(f -> {
        if (!f.getKey().equals("id") && !f.getKey().equals("op")) {
          req.set(f.getKey(), f.getValue());
        }
      });
    }
    return req;
  }

  private JsonNode parse(String line) throws IOException {
    try {
      JsonNode n = Lines.JSON.readTree(line);
      if (n == null || !n.isObject()) {
        throw new IOException("the sandbox at " + socket + " answered something not a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IOException("the sandbox at " + socket + " answered invalid JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  private ObjectNode unwrap(JsonNode resp) throws IOException, ControlTarget.ControlError {
    if (resp.path("ok").asBoolean(false)) {
      JsonNode r = resp.get("result");
      return r instanceof ObjectNode o ? o : Lines.JSON.createObjectNode();
    }
    String code = resp.path("error").asText("internal");
    String message = resp.path("message").asText(code);
    ObjectNode details = ((ObjectNode) resp).deepCopy();
    details.remove(List.of("id", "ok", "error", "message"));
    throw new ControlTarget.ControlError(code, message, details);
  }
}
