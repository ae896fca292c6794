package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlClient;
import dev.nemoclaw.control.ControlTarget;
import dev.nemoclaw.control.Registry;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The TUI's feed over the real control sockets: every live sandbox in the registry, and those
 * that start later (the registry directory is watched, so a new sandbox shows at once).
 */
public final class ControlTermFeed implements TermFeed {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final List<String> TOPICS = List.of("approvals", "egress", "stats", "lifecycle");

  private final Registry registry;
  private final Map<String, ControlClient.Subscription> watched = new ConcurrentHashMap<>();

  public ControlTermFeed(Registry registry) {
    this.registry = registry;
  }

  @Override
  public AutoCloseable start(Consumer<ObjectNode> events) throws IOException {
    Thread watcher = Thread.ofVirtual().name("term-registry").start(() -> watch(events));
    return () -> {
      watcher.interrupt();
      watched.values().forEach(ControlClient.Subscription::close);
      watched.clear();
    };
  }

  private void watch(Consumer<ObjectNode> events) {
    WatchService ws = null;
    try {
      while (!Thread.currentThread().isInterrupted()) {
        if (ws == null && Files.isDirectory(registry.dir())) {
          ws = FileSystems.getDefault().newWatchService();
          registry.dir().register(ws, StandardWatchEventKinds.ENTRY_CREATE,
              StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        }
        scan(events);
        if (ws == null) {
          Thread.sleep(1000); // no sandbox has ever run here: the directory does not exist yet
        } else {
          var key = ws.poll(5, TimeUnit.SECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        }
      }
    } catch (InterruptedException | IOException e) {
      // closed
    } finally {
      if (ws != null) {
        try {
          ws.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  private void scan(Consumer<ObjectNode> events) {
    for (Registry.Entry e : registry.live()) {
      if (watched.containsKey(e.name())) {
        continue;
      }
      try (ControlClient c = ControlClient.connect(e.socket())) {
        ObjectNode up = F.objectNode().put("event", "sandbox.up").put("sandbox", e.name());
        up.set("status", c.call("status"));
        JsonNode items = c.call("approvals").path("items");
        up.set("approvals", items.isArray() ? items : F.arrayNode());
        ControlClient sub = ControlClient.connect(e.socket());
        ControlClient.Subscription s;
        try {
          s = sub.subscribe(TOPICS, ev -> {
            ev.put("sandbox", e.name());
            events.accept(ev);
          });
        } catch (IOException | ControlTarget.ControlError x) {
          sub.close();
          throw x;
        }
        watched.put(e.name(), s);
        events.accept(up);
        Thread.ofVirtual().start(() -> {
          try {
            s.await();
          } catch (InterruptedException ignored) {
            // closing
          }
          sub.close();
          if (watched.remove(e.name(), s)) {
            events.accept(F.objectNode().put("event", "sandbox.down").put("sandbox", e.name()));
          }
        });
      } catch (IOException | ControlTarget.ControlError ignored) {
        // gone between the listing and the call: the next scan drops it
      }
    }
  }

  @Override
  public ObjectNode decide(String sandbox, String approval, String verdict)
      throws ControlTarget.ControlError, IOException {
    Registry.Entry e = registry.find(sandbox).orElseThrow(() -> new ControlTarget.ControlError(
        "unknown_approval", sandbox + " is no longer running", F.objectNode()));
    try (ControlClient c = ControlClient.connect(e.socket())) {
      return c.call("decide", F.objectNode().put("approval", approval).put("verdict", verdict)
          .put("channel", "tui"));
    }
  }

}
