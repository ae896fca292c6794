package dev.nemoclaw.bench;

import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.audit.AuditLog;
import dev.nemoclaw.audit.AuditWriter;
import dev.nemoclaw.audit.HostKey;
import dev.nemoclaw.audit.Verification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The audit log's two numbers from issue 8: durable append throughput with group commit (each
 * invocation appends {@link #BATCH} events and waits in {@code sync()} until they are fsynced
 * under a signed head, so the time per event includes the disk), from one producer and from four;
 * and verification of a {@code records}-record log (sha256 + HMAC of every record, chain, head).
 * The log lives in a temp dir on the same file system as {@code java.io.tmpdir}.
 */
@Fork(1)
public class AuditBench {
  static final int BATCH = 10_000;
  static final HostKey KEY = HostKey.of(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

  /** A typical record: a denied HTTP request (about 600 bytes on disk). */
  static AuditEvent event(long i) {
    return new AuditEvent.Http(Instant.now(), AuditEvent.Decision.DENIED, "api" + (i & 1023)
        + ".example.com", 443, "POST", "/v1/upload/" + i, "/usr/bin/python3", Optional.empty(),
        "no rule matches api.example.com:443");
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @State(Scope.Benchmark)
  public static class Writer {
    Path state;
    AuditWriter writer;

    @Setup(Level.Iteration)
    public void open() throws IOException {
      state = Files.createTempDirectory("nemoclaw-audit-bench");
      writer = AuditLog.forSandbox(state, "bench").openWriter(KEY);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      writer.close();
      delete(state);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(BATCH)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 3)
  @Threads(1)
  public void appendDurable1Producer(Writer w) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      w.writer.append(event(i));
    }
    w.writer.sync();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(BATCH)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 3)
  @Threads(4)
  public void appendDurable4Producers(Writer w) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      w.writer.append(event(i));
    }
    w.writer.sync();
  }

  /** The peer for appends: the same events as plain JSON lines, one fsync per batch, no chain. */
  @State(Scope.Thread)
  public static class Plain {
    Path file;
    java.nio.channels.FileChannel ch;
    final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(1 << 20);

    @Setup(Level.Iteration)
    public void open() throws IOException {
      file = Files.createTempFile("nemoclaw-audit-bench", ".jsonl");
      ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      ch.close();
      Files.delete(file);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(BATCH)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 3)
  @Threads(1)
  public void peerPlainJsonFsync(Plain p) throws IOException {
    for (int i = 0; i < BATCH; i++) {
      AuditEvent.Http e = (AuditEvent.Http) event(i);
      p.buf.write(p.json.writeValueAsBytes(java.util.Map.of("time", e.time().toString(),
          "host", e.host(), "port", e.port(), "method", e.method(), "path", e.path(),
          "binary", e.binary(), "reason", e.reason(), "decision", e.decision().name())));
      p.buf.write('\n');
    }
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(p.buf.toByteArray());
    while (bb.hasRemaining()) {
      p.ch.write(bb);
    }
    p.buf.reset();
    p.ch.force(false);
  }

  @State(Scope.Benchmark)
  public static class Written {
    @Param({"1000000"})
    int records;

    Path state;
    AuditLog log;

    @Setup(Level.Trial)
    public void write() throws IOException {
      state = Files.createTempDirectory("nemoclaw-audit-bench");
      log = AuditLog.forSandbox(state, "bench");
      try (AuditWriter w = log.openWriter(KEY)) {
        for (int i = 0; i < records; i++) {
          w.append(event(i));
        }
      }
    }

    @TearDown(Level.Trial)
    public void remove() {
      delete(state);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public Verification verifyAll(Written w) throws IOException {
    Verification v = w.log.verify(KEY);
    if (!(v instanceof Verification.Intact)) {
      throw new IllegalStateException("the benchmark's own log does not verify: " + v);
    }
    return v;
  }

  /** The peer for verification: read and sha256 every byte of the same files once (sha256sum). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public byte[] peerSha256OfFiles(Written w) throws Exception {
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 22];
    for (Path f : w.log.files()) {
      try (var in = Files.newInputStream(f)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          sha.update(buf, 0, n);
        }
      }
    }
    return sha.digest();
  }
}
