package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.audit.Problem.Kind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;

/**
 * One sandbox's audit log: {@code STATE/audit/NAME/} holding {@code audit-000001.jsonl},
 * {@code audit-000002.jsonl}, … (one chain across them, oldest first) and {@code head.json}.
 */
public final class AuditLog {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern LOG_FILE = Pattern.compile("audit-(\\d{6})\\.jsonl");

  private final String name;
  private final Path dir;

  private AuditLog(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  /** The log of sandbox {@code name} under {@code stateDir} (CONTRACT §6). */
  public static AuditLog forSandbox(Path stateDir, String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a sandbox name ([a-z0-9][a-z0-9-]{0,62})");
    }
    return new AuditLog(name, stateDir.resolve("audit").resolve(name));
  }

  /** Every sandbox's log under {@code stateDir}, by name. */
  public static List<AuditLog> all(Path stateDir) throws IOException {
    Path root = stateDir.resolve("audit");
    List<AuditLog> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (NAME.matcher(n).matches()) {
          out.add(new AuditLog(n, p));
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    out.sort((a, b) -> a.name.compareTo(b.name));
    return out;
  }

  public String name() {
    return name;
  }

  public Path dir() {
    return dir;
  }

  public boolean exists() {
    return Files.isDirectory(dir);
  }

  static String fileName(int number) {
    return "audit-%06d.jsonl".formatted(number);
  }

  static int fileNumber(Path file) {
    Matcher m = LOG_FILE.matcher(file.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The log files, oldest first. */
  public List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "audit-*.jsonl")) {
      for (Path p : ds) {
        if (fileNumber(p) > 0) {
          out.add(p);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    out.sort((a, b) -> Integer.compare(fileNumber(a), fileNumber(b)));
    return out;
  }

  /** Opens the log for appending (creating it), after recovering from any crash. */
  public AuditWriter openWriter(HostKey key) throws IOException {
    return openWriter(key, AuditWriter.Options.defaults());
  }

  public AuditWriter openWriter(HostKey key, AuditWriter.Options options) throws IOException {
    return AuditWriter.open(this, key, options);
  }

  /** Checks the whole chain and the head. */
  public Verification verify(HostKey key) throws IOException {
    return read(key, Optional.empty());
  }

  /** One verified record: where it is, its sequence number and its stored event object. */
  public record Entry(Path file, long line, long seq, ObjectNode event) {}

  /** Takes verified records in order; may throw to stop reading. */
  @FunctionalInterface
  public interface EntrySink {
    void accept(Entry e) throws IOException;
  }

  /**
   * Verifies the log while handing each good record's event to {@code sink}, oldest first,
   * checkpoints included ({@code class_uid} 0); nothing after the first problem is delivered.
   */
  public Verification events(HostKey key, EntrySink sink) throws IOException {
    return read(key, (file, line, seq, buf, from, to) ->
        sink.accept(new Entry(file, line, seq, Records.event(buf, from, to))));
  }

  Verification read(HostKey key, ChainReader.Sink sink) throws IOException {
    return readFrom(key, Optional.of(sink)).verification();
  }

  private Verification read(HostKey key, Optional<ChainReader.Sink> sink) throws IOException {
    return readFrom(key, sink).verification();
  }

  /**
   * A verification and, when the log is intact, where its last good record ends: the place a
   * {@link Follower} continues from.
   */
  record Outcome(Verification verification, Optional<ChainReader.Start> end) {}

  /**
   * Verifies while handing each good record to {@code sink}, in order; what the sink got before a
   * problem is good, nothing after it is delivered.
   */
  Outcome readFrom(HostKey key, Optional<ChainReader.Sink> sink) throws IOException {
    Mac mac = key.mac();
    Path headFile = dir.resolve(Head.FILE);
    Optional<Head> head;
    Head.BadHead badHead = null;
    try {
      // the head before the files: a writer rotating meanwhile may add a file after the listing,
      // but the record the head names is always in a file listed after it was read
      head = Head.read(dir, mac, key.id());
    } catch (Head.BadHead e) {
      head = Optional.empty();
      badHead = e;
    }
    List<Path> files = files();
    if (badHead != null) {
      return broken(new Verification.Broken(name, 0, files,
          new Problem(Kind.BAD_HEAD, headFile, 0, 0, badHead.getMessage())));
    }
    for (int i = 0; i < files.size(); i++) {
      if (fileNumber(files.get(i)) != i + 1) {
        Path missing = dir.resolve(fileName(i + 1));
        return broken(new Verification.Broken(name, 0, files, new Problem(Kind.MISSING, missing,
            0, 0, "log file " + missing.getFileName() + " is missing (the chain has "
                + files.get(i).getFileName() + " next): it was deleted")));
      }
    }
    if (head.isEmpty()) {
      if (files.isEmpty()) {
        return new Outcome(new Verification.Intact(name, 0, files, Chain.hex(Chain.ZERO_HASH),
            List.of()), Optional.of(ChainReader.Start.beginning()));
      }
      return broken(new Verification.Broken(name, 0, files, new Problem(Kind.BAD_HEAD, headFile,
          0, 0, Head.FILE + " is missing though the log has records: it was deleted, so a"
              + " cut-off tail could not be seen")));
    }
    Head h = head.get();
    ChainReader.Result r = sink.isPresent() || files.size() < 2
        ? new ChainReader(mac).scan(files, ChainReader.Start.beginning(), h.seq(),
            sink.orElse((file, line, seq, buf, from, to) -> {}))
        : ChainReader.scanParallel(files, key, h.seq());
    if (r.problem.isPresent()) {
      return broken(new Verification.Broken(name, r.records, files, r.problem.get()));
    }
    Path lastFile = files.isEmpty() ? dir.resolve(fileName(1)) : files.get(files.size() - 1);
    if (r.lastSeq < h.seq()) {
      return broken(new Verification.Broken(name, r.records, files, new Problem(Kind.TRUNCATED,
          lastFile, r.lastFileIndex < 0 ? 1 : r.lastLine + 1, r.lastSeq + 1,
          "the log ends after record " + r.lastSeq + " but " + Head.FILE + " says record "
              + h.seq() + " (in " + h.file() + ") was written: records " + (r.lastSeq + 1)
              + ".." + h.seq() + " were cut off")));
    }
    if (h.seq() > 0 && (r.watchedHash == null || !Chain.hex(r.watchedHash).equals(h.hash()))) {
      return broken(new Verification.Broken(name, r.records, files, new Problem(Kind.BAD_HEAD,
          headFile, 0, h.seq(), "record " + h.seq() + " is not the one " + Head.FILE
              + " signed: the log was rewritten from there on")));
    }
    List<String> notes = new ArrayList<>();
    if (r.lastSeq > h.seq()) {
      notes.add((r.lastSeq - h.seq()) + " record(s) after the head (written just before a crash,"
          + " or the head's update was pending); they verify");
    }
    if (r.incompleteTailBytes > 0) {
      notes.add(lastFile.getFileName() + " ends with an incomplete record (" + r.incompleteTailBytes
          + " bytes, a write a crash interrupted); the next writer drops it");
    }
    return new Outcome(new Verification.Intact(name, r.records, files, Chain.hex(r.lastHash),
        notes), Optional.of(ChainReader.Start.after(r)));
  }

  private static Outcome broken(Verification.Broken b) {
    return new Outcome(b, Optional.empty());
  }
}
