package dev.nemoclaw.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.host.HostDirs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The running sandboxes of this user: {@code $RUNTIME/sandboxes/NAME.json} beside
 * {@code NAME.sock} (docs/control-protocol.md). There is no daemon, so liveness is judged by the
 * reader: an entry whose process is gone (or is another process now) or whose socket refuses
 * connections is stale, and is swept.
 */
public final class Registry {
  /** A sandbox name (CONTRACT §2); also what keeps names from being paths. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** Temp files a crashed writer left are removed once this old. */
  static final Duration LEFTOVER_AGE = Duration.ofMinutes(1);
  /** fcntl locks belong to the process: threads of one JVM take turns on this first. */
  private static final ReentrantLock JVM_LOCK = new ReentrantLock();

  private final Path dir;

  /** One running sandbox as its registry entry describes it. */
  public record Entry(String name, long pid, Instant startedAt, String backend, Path socket) {
    public Entry {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a sandbox name: " + name);
      }
    }
  }

  /** Thrown by {@link #register} when a live sandbox already has the name. */
  public static final class NameInUseException extends IOException {
    private final Entry holder;

    NameInUseException(Entry holder) {
      super("a sandbox named " + holder.name() + " is already running (pid " + holder.pid()
          + ", since " + holder.startedAt() + "); stop it with `nemoclaw stop " + holder.name()
          + "` or choose another name with --name");
      this.holder = holder;
    }

    public Entry holder() {
      return holder;
    }
  }

  private Registry(Path dir) {
    this.dir = dir;
  }

  /** The registry under a runtime dir (CONTRACT §6): {@code runtimeDir/sandboxes}. */
  public static Registry at(Path runtimeDir) {
    return new Registry(runtimeDir.toAbsolutePath().resolve("sandboxes"));
  }

  /** The registry of this user's runtime dir. */
  public static Registry fromEnvironment() {
    return at(HostDirs.fromEnvironment().runtime());
  }

  public Path dir() {
    return dir;
  }

  /** Where the sandbox {@code name}'s control socket goes. */
  public Path socketFor(String name) {
    return dir.resolve(checkName(name) + ".sock");
  }

  private Path entryFile(String name) {
    return dir.resolve(checkName(name) + ".json");
  }

  private static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a sandbox name: " + name);
    }
    return name;
  }

  /**
   * Records a running sandbox, after its control socket listens. Refuses with
   * {@link NameInUseException} when a live entry has the name; replaces a stale one.
   */
  public Registration register(Entry e) throws IOException {
    ControlServer.privateDir(dir);
    try (var _ = lock()) {
      Optional<Entry> old = read(entryFile(e.name()));
      if (old.isPresent() && old.get().pid() != e.pid() && live(old.get())) {
        throw new NameInUseException(old.get());
      }
      AtomicFile.write(entryFile(e.name()), toJson(e),
          PosixFilePermissions.fromString("rw-------"));
    }
    return new Registration(e);
  }

  /** The live entries, by name; stale ones are swept on the way. */
  public List<Entry> live() {
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(files::add);
    } catch (IOException e) {
      return out;
    }
    for (Path f : files) {
      String fn = f.getFileName().toString();
      if (fn.endsWith(".json") && !fn.startsWith(".")) {
        String name = fn.substring(0, fn.length() - ".json".length());
        if (!NAME.matcher(name).matches()) {
          continue;
        }
        Optional<Entry> e = read(f);
        if (e.isPresent() && live(e.get())) {
          out.add(e.get());
        } else {
          sweep(name, e);
        }
      } else if (fn.startsWith(".") && fn.endsWith(".tmp") || fn.startsWith(".bind-")) {
        sweepLeftover(f);
      } else if (fn.endsWith(".sock") && !Files.exists(dir.resolve(
          fn.substring(0, fn.length() - ".sock".length()) + ".json"))) {
        // a socket without an entry: a starting sandbox (it answers) or a crashed one
        if (old(f) && !ControlServer.answers(f)) {
          deleteQuietly(f);
        }
      }
    }
    out.sort(Comparator.comparing(Entry::name));
    return out;
  }

  /** The live entry named {@code name}, if any. */
  public Optional<Entry> find(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    Optional<Entry> e = read(entryFile(name));
    if (e.isPresent() && live(e.get())) {
      return e;
    }
    if (Files.exists(entryFile(name), LinkOption.NOFOLLOW_LINKS)) {
      sweep(name, e);
    }
    return Optional.empty();
  }

  /**
   * Live: the process exists, started no later than the entry says the sandbox did (else the pid
   * was reused), and the socket accepts connections.
   */
  static boolean live(Entry e) {
    Optional<ProcessHandle> p = ProcessHandle.of(e.pid());
    if (p.isEmpty() || !p.get().isAlive()) {
      return false;
    }
    Optional<Instant> started = p.get().info().startInstant();
    if (started.isPresent() && e.startedAt() != null
        && started.get().isAfter(e.startedAt().plusSeconds(2))) {
      return false;
    }
    return e.socket() != null && ControlServer.answers(e.socket());
  }

  /** Removes a stale entry and its socket, unless a new run replaced it meanwhile. */
  private void sweep(String name, Optional<Entry> seen) {
    try (var _ = lock()) {
      Optional<Entry> now = read(entryFile(name));
      if (!now.equals(seen)) {
        return;
      }
      if (now.isEmpty() && !old(entryFile(name))) {
        // unreadable and fresh: perhaps still being written by hand; leave it a while
        return;
      }
      deleteQuietly(entryFile(name));
      Path sock = now.map(Entry::socket).orElse(socketFor(name));
      if (sock.getParent() != null && sock.getParent().equals(dir) && !ControlServer.answers(sock)) {
        deleteQuietly(sock);
      }
    } catch (IOException e) {
      // cannot lock: leave it for the next reader
    }
  }

  private void sweepLeftover(Path f) {
    if (old(f)) {
      deleteQuietly(f);
    }
  }

  private static boolean old(Path f) {
    try {
      Instant m = Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant();
      return m.isBefore(Instant.now().minus(LEFTOVER_AGE));
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteQuietly(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      // someone else's, or gone
    }
  }

  /** Reads an entry; empty when missing or unreadable (a crash can leave anything behind). */
  Optional<Entry> read(Path f) {
    try {
      byte[] b = Files.readAllBytes(f);
      if (b.length > 64 * 1024) {
        return Optional.empty();
      }
      JsonNode n = Lines.JSON.readTree(b);
      String name = n.path("name").asText("");
      String file = f.getFileName().toString();
      if (!file.equals(name + ".json") || !n.path("pid").canConvertToLong()
          || n.path("pid").asLong() <= 0) {
        return Optional.empty();
      }
      Instant started = Instant.parse(n.path("startedAt").asText());
      String socket = n.path("socket").asText("");
      return Optional.of(new Entry(name, n.path("pid").asLong(), started,
          n.path("backend").asText("native"),
          socket.isEmpty() ? socketFor(name) : Path.of(socket)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static byte[] toJson(Entry e) {
    ObjectNode o = Lines.JSON.createObjectNode();
    o.put("name", e.name());
    o.put("pid", e.pid());
    o.put("startedAt", e.startedAt().toString());
    o.put("backend", e.backend());
    o.put("socket", e.socket().toAbsolutePath().toString());
    o.put("version", 1);
    return (o.toString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** The directory lock: register and sweep never interleave, across processes and threads. */
  private AutoCloseable0 lock() throws IOException {
    JVM_LOCK.lock();
    try {
      FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.lock();
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      return () -> {
        try {
          l.release();
        } finally {
          ch.close();
          JVM_LOCK.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      JVM_LOCK.unlock();
      throw e;
    }
  }

  @FunctionalInterface
  private interface AutoCloseable0 extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** A registered sandbox; {@link #close()} removes its entry and socket (when still its own). */
  public final class Registration implements AutoCloseable {
    private final Entry entry;
    private boolean closed;

    private Registration(Entry entry) {
      this.entry = entry;
    }

    public Entry entry() {
      return entry;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      try (var _ = lock()) {
        Optional<Entry> now = read(entryFile(entry.name()));
        if (now.isPresent() && now.get().pid() == entry.pid()
            && now.get().startedAt().equals(entry.startedAt())) {
          deleteQuietly(entryFile(entry.name()));
          deleteQuietly(entry.socket());
        }
      } catch (IOException e) {
        // the next reader sweeps it
      }
    }
  }
}
