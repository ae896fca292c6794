package dev.nemoclaw.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.spec.Values;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Every running sandbox of this user, through their control sockets: what {@code ps},
 * {@code approvals} and {@code stop} ask of all of them at once. It relays; the sandboxes decide.
 */
public final class Fleet {
  private final Registry registry;
  private final Duration timeout;

  public Fleet(Registry registry, Duration timeout) {
    this.registry = registry;
    this.timeout = timeout;
  }

  public static Fleet fromEnvironment() {
    return new Fleet(Registry.fromEnvironment(), ControlClient.DEFAULT_TIMEOUT);
  }

  public Registry registry() {
    return registry;
  }

  /** One sandbox's answer, or why there is none. */
  public record Answer(Registry.Entry entry, Optional<ObjectNode> result, Optional<String> error) {}

  /** {@code status} of every live sandbox, by name; asked in parallel. */
  public List<Answer> statuses() {
    return ask(registry.live(), c -> call(c, "status", null));
  }

  /** Every pending approval of every live sandbox, newest first, plus the sandboxes that failed. */
  public record Pending(List<ObjectNode> items, List<Answer> failures) {
    public List<String> ids() {
      return items.stream().map(i -> i.path("id").asText()).toList();
    }
  }

  public Pending approvals() {
    List<ObjectNode> items = new ArrayList<>();
    List<Answer> failures = new ArrayList<>();
    for (Answer a : ask(registry.live(), c -> call(c, "approvals", null))) {
      if (a.result().isEmpty()) {
        failures.add(a);
        continue;
      }
      for (JsonNode i : a.result().get().path("items")) {
        if (i instanceof ObjectNode o) {
          if (!o.hasNonNull("sandbox")) {
            o.put("sandbox", a.entry().name());
          }
          items.add(o);
        }
      }
    }
    items.sort(Comparator.comparing((ObjectNode o) -> createdAt(o)).reversed()
        .thenComparing(o -> o.path("id").asText()));
    return new Pending(items, failures);
  }

  private static Instant createdAt(ObjectNode o) {
    try {
      return Instant.parse(o.path("createdAt").asText());
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }

  /**
   * Decides approval {@code id} in whichever sandbox holds it (each is asked in turn; only the
   * holder knows it, pending or recently decided). Returns the {@code decide} result with
   * {@code sandbox} added. Errors keep the protocol's codes: {@code already_decided} (with the
   * winner's fields), {@code unknown_approval} (with {@code pending}: the ids that are pending).
   */
  public ObjectNode decide(String id, String verdict, Duration ttl, int uses, String channel)
      throws ControlTarget.ControlError, IOException {
    ObjectNode args = Lines.JSON.createObjectNode();
    args.put("approval", id);
    args.put("verdict", verdict);
    args.put("channel", channel);
    if (ttl != null) {
      args.put("ttl", Values.format(ttl));
    }
    if (uses > 0) {
      args.put("uses", uses);
    }
    List<Registry.Entry> live = registry.live();
    List<String> unreachable = new ArrayList<>();
    for (Registry.Entry e : live) {
      try (ControlClient c = ControlClient.connect(e.socket(), timeout)) {
        ObjectNode r = c.call("decide", args);
        r.put("sandbox", e.name());
        return r;
      } catch (ControlTarget.ControlError err) {
        if (!err.code().equals("unknown_approval")) {
          ObjectNode d = err.details() == null ? Lines.JSON.createObjectNode() : err.details();
          d.put("sandbox", e.name());
          throw new ControlTarget.ControlError(err.code(), err.getMessage(), d);
        }
      } catch (IOException ex) {
        unreachable.add(e.name() + ": " + ex.getMessage());
      }
    }
    ObjectNode d = Lines.JSON.createObjectNode();
    var pending = d.putArray("pending");
    approvals().ids().forEach(pending::add);
    var un = d.putArray("unreachable");
    unreachable.forEach(un::add);
    String where = live.isEmpty() ? "no sandbox is running" : "no running sandbox holds it";
    throw new ControlTarget.ControlError("unknown_approval",
        "no pending approval " + id + ": " + where, d);
  }

  /** Asks the sandbox {@code name} to stop; empty when no sandbox of that name runs. */
  public Optional<ObjectNode> stop(String name, Duration grace)
      throws IOException, ControlTarget.ControlError {
    Optional<Registry.Entry> e = registry.find(name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode args = Lines.JSON.createObjectNode();
    args.put("graceSeconds", grace.toMillis() / 1000.0);
    try (ControlClient c = ControlClient.connect(e.get().socket(), timeout)) {
      return Optional.of(c.call("stop", args));
    }
  }

  /** Waits until no live sandbox is named {@code name}; false if one still is after {@code d}. */
  public boolean awaitGone(String name, Duration d) throws InterruptedException {
    Instant end = Instant.now().plus(d);
    while (registry.find(name).isPresent()) {
      if (Instant.now().isAfter(end)) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  /** The names of the live sandboxes. */
  public List<String> names() {
    return registry.live().stream().map(Registry.Entry::name).toList();
  }

  @FunctionalInterface
  private interface Call {
    ObjectNode apply(ControlClient c) throws IOException, ControlTarget.ControlError;
  }

  private static ObjectNode call(ControlClient c, String op, ObjectNode args)
      throws IOException, ControlTarget.ControlError {
    return c.call(op, args);
  }

  private List<Answer> ask(List<Registry.Entry> entries, Call call) {
    Function<Registry.Entry, Answer> one = e -> {
      try (ControlClient c = ControlClient.connect(e.socket(), timeout)) {
        return new Answer(e, Optional.of(call.apply(c)), Optional.empty());
      } catch (ControlTarget.ControlError err) {
        return new Answer(e, Optional.empty(), Optional.of(err.code() + ": " + err.getMessage()));
      } catch (IOException | RuntimeException err) {
        return new Answer(e, Optional.empty(), Optional.of(String.valueOf(err.getMessage())));
      }
    };
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Answer>> fs = entries.stream().map(e -> pool.submit(() -> one.apply(e))).toList();
      List<Answer> out = new ArrayList<>();
      for (int i = 0; i < fs.size(); i++) {
        try {
          out.add(fs.get(i).get());
        } catch (ExecutionException | InterruptedException ex) {
          out.add(new Answer(entries.get(i), Optional.empty(), Optional.of(String.valueOf(ex))));
        }
      }
      return out;
    }
  }
}
