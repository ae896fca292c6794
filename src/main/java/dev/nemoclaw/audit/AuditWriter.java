package dev.nemoclaw.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.nemoclaw.audit.AuditEvent.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.crypto.Mac;

/**
 * Appends events to one sandbox's log with group commit: {@link #append} only queues; one
 * committer thread takes everything queued, chains and signs it, writes it in one go, fsyncs, and
 * then rewrites the signed head. While it waits on the disk the next batch gathers, so throughput
 * grows with load and a crash loses at most the batch not yet fsynced, never the chain: the head
 * is only ever behind the disk, and a torn last batch is cut back to its last whole record when
 * the log is next opened.
 */
public final class AuditWriter implements AutoCloseable {
  /**
   * {@code maxFileBytes}: rotate to a new file past this size (the chain continues);
   * {@code checkpointEvery}: records between signed checkpoints; {@code maxPending}: events queued
   * before {@link #append} waits, so a stalled disk slows producers instead of eating the heap.
   */
  public record Options(long maxFileBytes, int checkpointEvery, int maxPending, Clock clock) {
    public Options {
      if (maxFileBytes < 4096 || checkpointEvery < 1 || maxPending < 1) {
        throw new IllegalArgumentException("audit writer options out of range: " + maxFileBytes
            + " bytes per file, checkpoint every " + checkpointEvery + ", " + maxPending + " pending");
      }
    }

    public static Options defaults() {
      return new Options(64L << 20, 10_000, 65_536, Clock.systemUTC());
    }

    public Options withMaxFileBytes(long n) {
      return new Options(n, checkpointEvery, maxPending, clock);
    }

    public Options withCheckpointEvery(int n) {
      return new Options(maxFileBytes, n, maxPending, clock);
    }
  }

  /** Another writer (a run of the same sandbox) holds the log. */
  public static final class InUse extends IOException {
    InUse(String message) {
      super(message);
    }
  }

  private static final JsonFactory JSON = new JsonFactory()
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  private final AuditLog log;
  private final HostKey key;
  private final Options options;
  private final Mac mac;
  private final MessageDigest sha = Chain.sha256();
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Thread committer;

  private final ReentrantLock mutex = new ReentrantLock();
  private final Condition work = mutex.newCondition();
  private final Condition progress = mutex.newCondition();
  private List<AuditEvent> pending = new ArrayList<>();
  private long appended;
  private long durable;
  private boolean closing;
  private IOException failure;
  private volatile Consumer<IOException> onFailure = e -> {};

  // committer-only state
  private FileChannel out;
  private int fileNumber;
  private long fileBytes;
  private long fileLines;
  private long seq;
  private final byte[] prev = new byte[32];
  private long sinceCheckpoint;
  private final Buf buf = new Buf();
  private final byte[] hash = new byte[32];
  private final byte[] tag = new byte[32];
  private final byte[] hex = new byte[Chain.HEX];
  private volatile Head head;

  /** A ByteArrayOutputStream whose array can be hashed in place. */
  private static final class Buf extends ByteArrayOutputStream {
    Buf() {
      super(1 << 16);
    }

    byte[] array() {
      return buf;
    }
  }

  private AuditWriter(AuditLog log, HostKey key, Options options, FileChannel lockChannel,
      FileLock lock) {
    this.log = log;
    this.key = key;
    this.options = options;
    this.mac = key.mac();
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.committer = Thread.ofPlatform().daemon().name("audit-" + log.name()).unstarted(this::commitLoop);
  }

  static AuditWriter open(AuditLog log, HostKey key, Options options) throws IOException {
    Path dir = log.dir();
    Files.createDirectories(dir.getParent());
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    FileChannel lc = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lc.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException inThisJvm) {
      lock = null;
    } catch (IOException e) {
      lc.close();
      throw e;
    }
    if (lock == null) {
      lc.close();
      throw new InUse("another process is writing the audit log " + dir
          + " (a run of sandbox " + log.name() + " is still going); stop it first");
    }
    AuditWriter w = new AuditWriter(log, key, options, lc, lock);
    try {
      w.recover();
    } catch (IOException | RuntimeException e) {
      w.releaseLock();
      throw e;
    }
    w.committer.start();
    return w;
  }

  /** Finds where the chain ends (cutting back a torn last batch) and opens the file to append. */
  private void recover() throws IOException {
    Path dir = log.dir();
    List<Path> files = log.files();
    Optional<Head> h;
    try {
      h = Head.read(dir, mac, key.id());
    } catch (Head.BadHead e) {
      throw new IOException(e.getMessage() + "; refusing to append to " + dir
          + " (nemoclaw audit verify " + log.name() + " shows what is wrong)", e);
    }
    String dropped = "";
    if (files.isEmpty()) {
      if (h.isPresent() && h.get().seq() > 0) {
        throw new IOException(dir + " has no log files but " + Head.FILE + " says "
            + h.get().seq() + " records were written; refusing to start a new chain over a"
            + " deleted one (nemoclaw audit verify " + log.name() + ")");
      }
      fileNumber = 1;
      seq = 0;
      writeHead(Clock.systemUTC());
      openFile(1, 0);
    } else {
      if (h.isEmpty()) {
        throw new IOException(dir + " has log files but no " + Head.FILE
            + "; refusing to append to a log whose tail cannot be checked (nemoclaw audit verify "
            + log.name() + ")");
      }
      Head head0 = h.get();
      int idx = files.indexOf(dir.resolve(head0.file()));
      if (idx < 0 || Files.size(files.get(idx)) < head0.offset()) {
        throw new IOException(Head.FILE + " in " + dir + " points at " + head0.file() + " byte "
            + head0.offset() + ", which is not there; refusing to append (nemoclaw audit verify "
            + log.name() + ")");
      }
      ChainReader.Result r = new ChainReader(mac).scan(files,
          new ChainReader.Start(idx, head0.offset(), head0.line(), head0.seq() + 1,
              HexFormat.of().parseHex(head0.hash())),
          -1, (f, l, s, b, from, to) -> {});
      int last = files.size() - 1;
      if (r.problem.isPresent() && !r.problem.get().file().equals(files.get(last))) {
        throw new IOException(r.problem.get().render() + "; refusing to append (nemoclaw audit"
            + " verify " + log.name() + ")");
      }
      long keep = r.lastFileIndex == last ? r.lastEnd : 0;
      long size = Files.size(files.get(last));
      if (size > keep) {
        dropped = (size - keep) + " bytes after record " + r.lastSeq + " in "
            + files.get(last).getFileName();
      }
      seq = r.lastSeq;
      System.arraycopy(r.lastHash, 0, prev, 0, 32);
      fileNumber = AuditLog.fileNumber(files.get(last));
      fileLines = r.lastFileIndex == last ? r.lastLine : 0;
      openFile(fileNumber, keep);
    }
    checkpoint(dropped.isEmpty() ? "open" : "open after a crash; dropped " + dropped);
    flush();
  }

  private void openFile(int number, long truncateTo) throws IOException {
    Path f = log.dir().resolve(AuditLog.fileName(number));
    boolean fresh = !Files.exists(f);
    out = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (out.size() > truncateTo) {
      out.truncate(truncateTo);
      out.force(true);
    }
    out.position(truncateTo);
    fileNumber = number;
    fileBytes = truncateTo;
    if (truncateTo == 0) {
      fileLines = 0;
    }
    if (fresh) {
      try (FileChannel d = FileChannel.open(log.dir(), StandardOpenOption.READ)) {
        d.force(true);
      }
    }
  }

  /**
   * Queues {@code event}; it is on disk once the committer's next fsync is done ({@link #sync}
   * waits for that). Blocks only while {@code maxPending} events are already queued.
   *
   * @throws UncheckedIOException if the writer failed earlier (the disk is full, …)
   * @throws IllegalStateException after {@link #close}
   */
  public void append(AuditEvent event) {
    mutex.lock();
    try {
      while (pending.size() >= options.maxPending() && failure == null && !closing) {
        progress.awaitUninterruptibly();
      }
      check();
      if (closing) {
        throw new IllegalStateException("audit log " + log.dir() + " is closed");
      }
      pending.add(event);
      appended++;
      if (pending.size() == 1) {
        work.signal();
      }
    } finally {
      mutex.unlock();
    }
  }

  /**
   * Calls {@code listener} (once, from the committer thread) when writing fails, so a caller can
   * react at once instead of at its next append; at once if it already failed.
   */
  public void onFailure(Consumer<IOException> listener) {
    onFailure = listener;
    mutex.lock();
    IOException f;
    try {
      f = failure;
    } finally {
      mutex.unlock();
    }
    if (f != null) {
      listener.accept(f);
    }
  }

  /** Waits until every event appended before this call is fsynced and under the head. */
  public void sync() throws IOException {
    mutex.lock();
    try {
      long ticket = appended;
      while (durable < ticket && failure == null) {
        progress.awaitUninterruptibly();
      }
      if (failure != null) {
        throw new IOException("audit log " + log.dir() + " failed: " + failure.getMessage(), failure);
      }
    } finally {
      mutex.unlock();
    }
  }

  /** The last signed head: what is durable now. */
  public Head head() {
    return head;
  }

  /** The file being written now. */
  public Path currentFile() {
    return log.dir().resolve(AuditLog.fileName(fileNumber));
  }

  private void check() {
    if (failure != null) {
      throw new UncheckedIOException("audit log " + log.dir() + " failed: " + failure.getMessage(),
          failure);
    }
  }

  private void commitLoop() {
    while (true) {
      List<AuditEvent> batch;
      boolean last;
      mutex.lock();
      try {
        while (pending.isEmpty() && !closing) {
          work.awaitUninterruptibly();
        }
        batch = pending;
        pending = new ArrayList<>();
        last = closing;
        progress.signalAll();
      } finally {
        mutex.unlock();
      }
      try {
        for (AuditEvent e : batch) {
          encode(e);
          if (++sinceCheckpoint >= options.checkpointEvery()) {
            checkpoint("periodic");
          }
          if (fileBytes + buf.size() >= options.maxFileBytes()) {
            rotate();
          }
        }
        if (last) {
          checkpoint("close");
        }
        flush();
      } catch (IOException | RuntimeException e) {
        mutex.lock();
        try {
          failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
          progress.signalAll();
        } finally {
          mutex.unlock();
        }
        onFailure.accept(failure);
        return;
      }
      mutex.lock();
      try {
        durable += batch.size();
        progress.signalAll();
        if (last && pending.isEmpty()) {
          return;
        }
      } finally {
        mutex.unlock();
      }
    }
  }

  /** Ends this file with a checkpoint, makes it durable, and continues the chain in the next. */
  private void rotate() throws IOException {
    checkpoint("rotate");
    flush();
    out.close();
    openFile(fileNumber + 1, 0);
  }

  /** A checkpoint record: where the chain stands now, and {@code why}. */
  private void checkpoint(String why) throws IOException {
    encode(new Checkpoint(options.clock().instant(), seq, AuditLog.fileName(fileNumber), why));
  }

  /** Appends one chained, signed record to the buffer. */
  private void encode(AuditEvent e) throws IOException {
    if (e instanceof Checkpoint) {
      sinceCheckpoint = 0;
    }
    seq++;
    int start = buf.size();
    buf.write(Chain.SEQ);
    buf.write(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
    buf.write(Chain.PREV);
    Chain.hex(prev, hex, 0);
    buf.write(hex);
    buf.write(Chain.EVENT);
    try (JsonGenerator g = JSON.createGenerator(buf)) {
      Ocsf.write(e, g);
    }
    int bodyEnd = buf.size();
    Chain.seal(sha, mac, buf.array(), start, bodyEnd, hash, tag);
    buf.write(Chain.HMAC);
    Chain.hex(tag, hex, 0);
    buf.write(hex);
    buf.write('"');
    buf.write('}');
    buf.write('\n');
    System.arraycopy(hash, 0, prev, 0, 32);
    fileLines++;
  }

  /** Writes the buffer, fsyncs the data, then signs the new head; in that order. */
  private void flush() throws IOException {
    if (buf.size() > 0) {
      ByteBuffer bb = ByteBuffer.wrap(buf.array(), 0, buf.size());
      while (bb.hasRemaining()) {
        fileBytes += out.write(bb);
      }
      buf.reset();
      out.force(false);
    }
    writeHead(options.clock());
  }

  private void writeHead(Clock clock) throws IOException {
    Head h = new Head(seq, Chain.hex(seq == 0 ? Chain.ZERO_HASH : prev),
        AuditLog.fileName(fileNumber), fileLines, fileBytes, clock.instant(), key.id());
    h.write(log.dir(), mac);
    head = h;
  }

  /**
   * Writes a closing checkpoint, makes everything durable and releases the log. Events appended
   * concurrently with close may be refused with {@link IllegalStateException}.
   */
  @Override
  public void close() throws IOException {
    mutex.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
      work.signal();
      progress.signalAll();
    } finally {
      mutex.unlock();
    }
    try {
      committer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing the audit log " + log.dir(), e);
    } finally {
      if (out != null) {
        out.close();
      }
      releaseLock();
    }
    if (failure != null) {
      throw new IOException("audit log " + log.dir() + " failed: " + failure.getMessage(), failure);
    }
  }

  private void releaseLock() throws IOException {
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
  }
}
