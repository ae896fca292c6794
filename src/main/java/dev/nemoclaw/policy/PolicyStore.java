package dev.nemoclaw.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.host.DiskFull;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The revisions of the rules operators added to one sandbox's policy (approvals with
 * {@code always}, {@code deny --always}, rollbacks), kept in a directory the supervisor names:
 * {@code $STATE/policies/NAME/}. The format is docs/policy-store.md.
 *
 * <p>Each revision is one file, {@code rev-000001.json}, written crash-safely (temp file, fsync,
 * rename) and never changed afterwards. Appending takes an exclusive lock on {@code .lock} in the
 * directory, so supervisors and CLIs in several processes (and several instances in one JVM)
 * append one after the other and none loses a revision. Readers take no lock: a revision file
 * appears whole or not at all. A file that is not a valid revision, or a revision missing from the
 * sequence, is an error naming the file; it is never skipped, since skipping would silently change
 * the policy. Temp files left by a crash are ignored.
 */
public final class PolicyStore {
  private static final Pattern FILE = Pattern.compile("rev-(\\d{6,9})\\.json");
  private static final String LOCK = ".lock";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /**
   * A JVM holds a file lock for the whole process, and a second {@code FileChannel.lock} on the
   * same file from another thread throws instead of waiting; so threads of one JVM queue here
   * first. Keyed by the real path of the directory.
   */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
      new ConcurrentHashMap<>();

  private final Path dir;
  private final Clock clock;

  public PolicyStore(Path dir) {
    this(dir, Clock.systemUTC());
  }

  /** {@code clock} stamps new revisions (tests fix it). */
  public PolicyStore(Path dir, Clock clock) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The store of sandbox {@code name} under the state directory ({@code STATE/policies/NAME}). */
  public static PolicyStore forSandbox(Path stateDir, String name) {
    if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new IllegalArgumentException("'" + name + "' is not a sandbox name"
          + " ([a-z0-9][a-z0-9-]{0,62})");
    }
    return new PolicyStore(stateDir.resolve("policies").resolve(name));
  }

  public Path dir() {
    return dir;
  }

  /** A revision file that cannot be read as one, or a revision missing from the sequence. */
  public static final class CorruptStoreException extends IOException {
    private final Path file;

    public CorruptStoreException(Path file, String problem) {
      super(file + ": " + problem);
      this.file = file;
    }

    public Path file() {
      return file;
    }
  }

  /** Every revision, oldest first; empty when nothing was ever added. */
  public List<Revision> history() throws IOException {
    List<Revision> out = new ArrayList<>();
    for (Path f : files().values()) {
      out.add(read(f));
    }
    return out;
  }

  /** The newest revision, if any. */
  public Optional<Revision> latest() throws IOException {
    TreeMap<Integer, Path> files = files();
    return files.isEmpty() ? Optional.empty() : Optional.of(read(files.lastEntry().getValue()));
  }

  /**
   * The newest revision's number (0 when there is none), from the directory listing alone: what
   * a running sandbox polls to notice a revision another process wrote.
   */
  public int newest() throws IOException {
    TreeMap<Integer, Path> files = files();
    return files.isEmpty() ? 0 : files.lastKey();
  }

  /** Every added rule in force now: the newest revision's rules (empty without revisions). */
  public RuleSet current() throws IOException {
    return latest().map(Revision::rules).orElse(RuleSet.EMPTY);
  }

  /**
   * The rules in force after revision {@code rev}; revision 0 is the start (agent.yaml alone).
   *
   * @throws IllegalArgumentException when there is no such revision
   */
  public RuleSet at(int rev) throws IOException {
    return rev == 0 ? RuleSet.EMPTY : revision(rev).rules();
  }

  /** Revision {@code rev} itself; {@link IllegalArgumentException} when there is none. */
  public Revision revision(int rev) throws IOException {
    TreeMap<Integer, Path> files = files();
    Path f = files.get(rev);
    if (f == null) {
      throw new IllegalArgumentException("no revision " + rev + " in " + dir + " (the newest is "
          + (files.isEmpty() ? "none" : files.lastKey()) + ")");
    }
    return read(f);
  }

  /**
   * Adds rules as a new revision. Rules already in force are not added twice; a revision is
   * written even when nothing is new, so every decision leaves its trace.
   *
   * @param author the OS user who decided
   * @param channel {@code tui}, {@code cli} or {@code api}
   * @param reason one line, e.g. the approval it came from
   */
  public Revision append(List<AllowRule> allow, List<DenyRule> deny, String author,
      String channel, String reason) throws IOException {
    List<AllowRule> a = List.copyOf(allow);
    List<DenyRule> d = List.copyOf(deny);
    return locked(() -> {
      Optional<Revision> last = latest();
      int n = last.map(Revision::number).orElse(0) + 1;
      RuleSet now = last.map(Revision::rules).orElse(RuleSet.EMPTY);
      Set<AllowRule> haveAllow = new HashSet<>(now.allowRules());
      Set<DenyRule> haveDeny = new HashSet<>(now.denyRules());
      List<StoredRule.Allow> newAllow = new ArrayList<>();
      for (AllowRule r : a) {
        if (haveAllow.add(r)) {
          newAllow.add(new StoredRule.Allow(n, newAllow.size(), r));
        }
      }
      List<StoredRule.Deny> newDeny = new ArrayList<>();
      for (DenyRule r : d) {
        if (haveDeny.add(r)) {
          newDeny.add(new StoredRule.Deny(n, newDeny.size(), r));
        }
      }
      RuleSet added = new RuleSet(newAllow, newDeny);
      RuleSet after = new RuleSet(
          Stream.concat(now.allow().stream(), newAllow.stream()).toList(),
          Stream.concat(now.deny().stream(), newDeny.stream()).toList());
      return write(new Revision(n, clock.instant().truncatedTo(ChronoUnit.MILLIS), author,
          channel, oneLine(reason), OptionalInt.empty(), added, RuleSet.EMPTY, after));
    });
  }

  /** {@link #rollback(int, String, String)} from the CLI. */
  public Revision rollback(int rev, String author) throws IOException {
    return rollback(rev, author, "cli");
  }

  /**
   * A new revision whose rules are those of revision {@code rev} (0: none added). Restored rules
   * keep their origin, so they keep their names.
   *
   * @throws IllegalArgumentException when there is no such revision
   */
  public Revision rollback(int rev, String author, String channel) throws IOException {
    return locked(() -> {
      Optional<Revision> last = latest();
      if (last.isEmpty()) {
        throw new IllegalArgumentException("nothing to roll back: " + dir + " has no revisions");
      }
      RuleSet target = at(rev);
      RuleSet now = last.get().rules();
      int n = last.get().number() + 1;
      return write(new Revision(n, clock.instant().truncatedTo(ChronoUnit.MILLIS), author,
          channel, "rollback to revision " + rev, OptionalInt.of(rev), target.minus(now),
          now.minus(target), target));
    });
  }

  private interface Locked<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code body} holding the store's lock. A full disk fails it as {@link DiskFull} naming
   * the file or directory; the revisions already there stay as they are, and no temp file stays.
   */
  private <T> T locked(Locked<T> body) throws IOException {
    try {
      Files.createDirectories(dir);
      ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(dir.toRealPath(), p -> new ReentrantLock());
      jvm.lock();
      try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        return body.run();
      } finally {
        jvm.unlock();
      }
    } catch (IOException e) {
      throw DiskFull.check(e, dir);
    }
  }

  private Revision write(Revision r) throws IOException {
    Path f = dir.resolve(fileName(r.number()));
    if (Files.exists(f)) {
      throw new IOException(f + " already exists; another writer ignored the lock on "
          + dir.resolve(LOCK));
    }
    byte[] json = (MAPPER.writeValueAsString(RevisionJson.toJson(r)) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    AtomicFile.write(f, json);
    return r;
  }

  static String fileName(int rev) {
    return String.format("rev-%06d.json", rev);
  }

  /** Revision files by number; a gap in the numbers is an error naming the missing file. */
  private TreeMap<Integer, Path> files() throws IOException {
    TreeMap<Integer, Path> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = FILE.matcher(p.getFileName().toString());
        if (m.matches()) {
          int n = Integer.parseInt(m.group(1));
          Path dup = out.put(n, p);
          if (dup != null || n == 0) {
            throw new CorruptStoreException(p, n == 0 ? "revision numbers start at 1"
                : "revision " + n + " is also in " + dup.getFileName());
          }
        }
      }
    }
    int expect = 1;
    for (int n : out.keySet()) {
      if (n != expect) {
        throw new CorruptStoreException(dir.resolve(fileName(expect)), "missing: revisions "
            + expect + ".." + (n - 1) + " are gone but revision " + n + " exists");
      }
      expect++;
    }
    return out;
  }

  private static Revision read(Path f) throws IOException {
    JsonNode node;
    try {
      byte[] bytes = Files.readAllBytes(f);
      if (bytes.length == 0) {
        throw new CorruptStoreException(f, "empty file (truncated?)");
      }
      node = MAPPER.readTree(bytes);
    } catch (NoSuchFileException e) {
      throw new CorruptStoreException(f, "disappeared while reading");
    } catch (JsonProcessingException e) {
      throw new CorruptStoreException(f, "not valid JSON (truncated?): "
          + e.getOriginalMessage());
    }
    Revision r;
    try {
      r = RevisionJson.revision(node);
    } catch (IllegalArgumentException e) {
      throw new CorruptStoreException(f, "not a policy revision: " + e.getMessage());
    }
    Matcher m = FILE.matcher(f.getFileName().toString());
    if (m.matches() && Integer.parseInt(m.group(1)) != r.number()) {
      throw new CorruptStoreException(f, "holds revision " + r.number());
    }
    return r;
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n\\t]+", " ").strip();
  }
}
