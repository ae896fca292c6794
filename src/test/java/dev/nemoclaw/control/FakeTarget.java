package dev.nemoclaw.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A sandbox as a test wants it: approvals to decide, a log, events on demand. */
public class FakeTarget implements ControlTarget {
  static final ObjectMapper JSON = new ObjectMapper();

  public final String name;
  public final Instant startedAt = Instant.now().minusSeconds(65);
  public final Map<String, ObjectNode> pending = new ConcurrentHashMap<>();
  public final Map<String, ObjectNode> decided = new ConcurrentHashMap<>();
  public final List<String> log = new CopyOnWriteArrayList<>();
  public final List<Duration> stops = new CopyOnWriteArrayList<>();
  public final List<String> decisions = new CopyOnWriteArrayList<>();
  public volatile Runnable onStop = () -> {};
  private final List<Sub> subs = new CopyOnWriteArrayList<>();

  private record Sub(List<String> topics, Consumer<ObjectNode> listener) {}

  public FakeTarget(String name) {
    this.name = name;
  }

  /** Adds a pending egress approval created {@code agoSeconds} ago. */
  public ObjectNode hold(String id, String host, int port, long agoSeconds) {
    ObjectNode a = JSON.createObjectNode();
    a.put("id", id);
    a.put("sandbox", name);
    a.put("kind", "egress");
    a.put("host", host);
    a.put("port", port);
    a.put("binary", "/usr/bin/curl");
    a.put("pid", 12);
    a.putNull("method");
    a.putNull("path");
    a.put("detail", "CONNECT " + host + ":" + port);
    a.put("hits", 1);
    a.put("createdAt", Instant.now().minusSeconds(agoSeconds).toString());
    a.put("expiresAt", Instant.now().plusSeconds(60).toString());
    a.putNull("warning");
    a.put("rule", "{host: " + host + ", ports: [" + port + "]}");
    pending.put(id, a);
    emit("approvals", event("approval.new").set("approval", a));
    return a;
  }

  public static ObjectNode event(String kind) {
    ObjectNode e = JSON.createObjectNode();
    e.put("event", kind);
    return e;
  }

  /** Sends {@code e} to every subscriber of {@code topic}. */
  public void emit(String topic, ObjectNode e) {
    for (Sub s : subs) {
      if (s.topics.contains(topic)) {
        s.listener.accept(e);
      }
    }
  }

  public int subscribers() {
    return subs.size();
  }

  @Override
  public ObjectNode hello() {
    ObjectNode o = JSON.createObjectNode();
    o.put("sandbox", name);
    o.put("version", 1);
    o.put("pid", ProcessHandle.current().pid());
    o.put("startedAt", startedAt.toString());
    o.put("backend", "native");
    return o;
  }

  @Override
  public ObjectNode status() {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", name);
    o.put("backend", "native");
    o.put("pid", ProcessHandle.current().pid());
    o.put("startedAt", startedAt.toString());
    o.put("uptimeMs", Duration.between(startedAt, Instant.now()).toMillis());
    o.put("memoryBytes", 48L << 20);
    o.put("cpuSeconds", 1.25);
    o.put("pids", 3);
    o.put("pending", pending.size());
    return o;
  }

  @Override
  public List<ObjectNode> approvals() {
    List<ObjectNode> l = new ArrayList<>(pending.values());
    l.sort(Comparator.comparing((ObjectNode a) -> a.path("createdAt").asText()).reversed());
    return l;
  }

  @Override
  public ObjectNode decide(String approval, String verdict, Duration ttl, int uses, String channel,
      String user) throws ControlError {
    synchronized (this) {
      ObjectNode won = decided.get(approval);
      if (won != null) {
        throw new ControlError("already_decided", "approval " + approval + " was already decided by "
            + won.path("by").asText() + " (" + won.path("channel").asText() + ")", won.deepCopy());
      }
      if (pending.remove(approval) == null) {
        throw new ControlError("unknown_approval", "no pending approval " + approval + " in " + name,
            null);
      }
      ObjectNode r = JSON.createObjectNode();
      r.put("approval", approval);
      r.put("verdict", verdict);
      r.put("by", user);
      r.put("channel", channel);
      r.put("at", Instant.now().toString());
      decided.put(approval, r);
      decisions.add(approval + " " + verdict + " ttl=" + ttl + " uses=" + uses + " " + channel);
      emit("approvals", event("approval.decided").put("approval", approval).put("verdict", verdict));
      return r;
    }
  }

  @Override
  public ObjectNode explain(String host, int port, java.util.Optional<String> method,
      java.util.Optional<String> path, java.util.Optional<String> binary) {
    ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    o.put("verdict", host.endsWith(".denied") ? "deny" : "allow");
    o.put("rule", "network.allow[0] " + host);
    o.put("port", port);
    o.put("binary", binary.orElse(null));
    return o;
  }

  @Override
  public void stop(Duration grace) {
    stops.add(grace);
    onStop.run();
  }

  @Override
  public List<String> recentLog() {
    return List.copyOf(log);
  }

  @Override
  public AutoCloseable subscribe(List<String> topics, Consumer<ObjectNode> listener) {
    Sub s = new Sub(List.copyOf(topics), listener);
    subs.add(s);
    return () -> subs.remove(s);
  }
}
