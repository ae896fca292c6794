package dev.nemoclaw.audit;

import dev.nemoclaw.audit.Problem.Kind;
import java.io.Flushable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;

/**
 * Reads a log like {@code tail -f}, verifying as it goes: first the whole log as it stands (the
 * same checks as {@code audit verify}, the signed head included), then, every {@link #INTERVAL},
 * whatever was appended since, from the file, offset, seq and hash where the last good record
 * ended — each new record's frame, seq, prev and HMAC are checked before it is delivered, across
 * rotation to the next file and across later runs of the sandbox appending to the same chain.
 *
 * <p>A record a writer is still writing (no newline yet) waits for the next poll. The first bad
 * record ends following with its problem; nothing after it is delivered. Not thread-safe: one
 * reader thread.
 */
public final class Follower {
  /** How often {@link #follow} looks for new records. */
  public static final Duration INTERVAL = Duration.ofMillis(200);

  private final AuditLog log;
  private final HostKey key;
  private final Mac mac;
  private ChainReader.Start next;
  private long records;
  private List<Path> files = List.of();

  public Follower(AuditLog log, HostKey key) {
    this.log = log;
    this.key = key;
    this.mac = key.mac();
  }

  /** Records delivered so far, checkpoints included. */
  public long records() {
    return records;
  }

  /** Verifies the whole log as it is now, delivering each record; remembers where it ended. */
  public Verification history(AuditLog.EntrySink sink) throws IOException {
    return history(entries(sink));
  }

  Verification history(ChainReader.Sink sink) throws IOException {
    if (next != null) {
      throw new IllegalStateException("history was read already");
    }
    AuditLog.Outcome o = log.readFrom(key, Optional.of(sink));
    records = o.verification().records();
    files = o.verification().files();
    next = o.end().orElse(null);
    return o.verification();
  }

  /**
   * Delivers the records appended since the last call (or since {@link #history}), verified.
   * Empty when all is well; the first problem otherwise (and nothing after it is delivered).
   */
  public Optional<Problem> poll(AuditLog.EntrySink sink) throws IOException {
    return poll(entries(sink));
  }

  Optional<Problem> poll(ChainReader.Sink sink) throws IOException {
    if (next == null) {
      throw new IllegalStateException("read the history first, and stop after a problem");
    }
    files = log.files();
    for (int i = 0; i < files.size(); i++) {
      if (AuditLog.fileNumber(files.get(i)) != i + 1) {
        Path missing = log.dir().resolve(AuditLog.fileName(i + 1));
        return stop(new Problem(Kind.MISSING, missing, 0, next.nextSeq(), "log file "
            + missing.getFileName() + " is missing (the chain has " + files.get(i).getFileName()
            + " next): it was deleted while being followed"));
      }
    }
    if (files.isEmpty() && next.nextSeq() == 1) {
      return Optional.empty(); // no run has written anything yet
    }
    if (next.fileIndex() >= files.size()) {
      Path gone = log.dir().resolve(AuditLog.fileName(next.fileIndex() + 1));
      return stop(new Problem(Kind.TRUNCATED, gone, next.line(), next.nextSeq(), gone.getFileName()
          + " held records up to seq " + (next.nextSeq() - 1) + " and was deleted while being"
          + " followed"));
    }
    Path current = files.get(next.fileIndex());
    long size;
    try {
      size = Files.size(current);
    } catch (NoSuchFileException e) {
      size = -1;
    }
    if (size < next.offset()) {
      return stop(new Problem(Kind.TRUNCATED, current, next.line(), next.nextSeq() - 1,
          current.getFileName() + " is shorter than the " + next.offset() + " bytes already"
              + " verified (records up to seq " + (next.nextSeq() - 1) + "): it was cut while"
              + " being followed"));
    }
    ChainReader.Result r = new ChainReader(mac).scan(files, next, -1, sink);
    records += r.records;
    if (r.problem.isPresent()) {
      return stop(r.problem.get());
    }
    next = ChainReader.Start.after(r);
    return Optional.empty();
  }

  private Optional<Problem> stop(Problem p) {
    next = null;
    return Optional.of(p);
  }

  /**
   * {@link #history}, then {@link #poll} every {@link #INTERVAL} for ever; {@code flush} runs
   * after the history and after every poll that delivered something, so what was read reaches
   * its destination promptly. Returns only at the first problem (a {@code Broken} verification,
   * {@code records} counting what was delivered); ends with an {@link InterruptedException} when
   * the thread is interrupted.
   */
  public Verification follow(AuditLog.EntrySink sink, Flushable flush)
      throws IOException, InterruptedException {
    return follow(entries(sink), flush);
  }

  Verification follow(ChainReader.Sink sink, Flushable flush)
      throws IOException, InterruptedException {
    Verification v = history(sink);
    flush.flush();
    if (v instanceof Verification.Broken) {
      return v;
    }
    while (true) {
      Thread.sleep(INTERVAL);
      long before = records;
      Optional<Problem> p = poll(sink);
      if (records != before) {
        flush.flush();
      }
      if (p.isPresent()) {
        return new Verification.Broken(log.name(), records, files, p.get());
      }
    }
  }

  private static ChainReader.Sink entries(AuditLog.EntrySink sink) {
    return (file, line, seq, buf, from, to) ->
        sink.accept(new AuditLog.Entry(file, line, seq, Records.event(buf, from, to)));
  }
}
