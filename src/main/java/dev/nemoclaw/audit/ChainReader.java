package dev.nemoclaw.audit;

import dev.nemoclaw.audit.Problem.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;

/**
 * Walks a chain of log files, checking every record's frame, seq, prev and HMAC, and hands each
 * good one to a sink. Stops at the first bad record. It reads in large blocks and never parses the
 * JSON: fixed positions and the HMAC are enough (see {@link Chain}).
 */
final class ChainReader {
  /** Receives each verified record's line (without newline) as {@code buf[from, to)}. */
  interface Sink {
    void accept(Path file, long line, long seq, byte[] buf, int from, int to) throws IOException;
  }

  /** Where a scan starts: the first file's index in the list, a byte offset, and what precedes. */
  record Start(int fileIndex, long offset, long line, long nextSeq, byte[] prev) {
    static Start beginning() {
      return new Start(0, 0, 0, 1, Chain.ZERO_HASH);
    }

    /** Just after the last good record of {@code r}: where reading the rest of a log goes on. */
    static Start after(Result r) {
      if (r.lastFileIndex < 0) {
        return beginning();
      }
      return new Start(r.lastFileIndex, r.lastEnd, r.lastLine, r.lastSeq + 1, r.lastHash.clone());
    }
  }

  /** The outcome: the last good record, the first problem, and an incomplete tail if any. */
  static final class Result {
    long records;
    long lastSeq;
    final byte[] lastHash = new byte[32];
    int lastFileIndex = -1;
    long lastLine;
    long lastEnd;
    Optional<Problem> problem = Optional.empty();
    /** Bytes after the last newline of the last file: a write a crash interrupted. */
    long incompleteTailBytes;
    /** The hash of record {@code watchSeq}, once seen. */
    byte[] watchedHash;
  }

  private final Mac mac;
  private final MessageDigest sha = Chain.sha256();
  private final byte[] hash = new byte[32];
  private final byte[] tag = new byte[32];
  private final Chain.Parsed parsed = new Chain.Parsed();

  ChainReader(Mac mac) {
    this.mac = mac;
  }

  Result scan(List<Path> files, Start start, long watchSeq, Sink sink) throws IOException {
    Result r = new Result();
    r.lastSeq = start.nextSeq() - 1;
    System.arraycopy(start.prev(), 0, r.lastHash, 0, 32);
    r.lastFileIndex = start.fileIndex();
    r.lastLine = start.line();
    r.lastEnd = start.offset();
    long expectSeq = start.nextSeq();
    byte[] buf = new byte[1 << 22];
    for (int fi = start.fileIndex(); fi < files.size(); fi++) {
      Path file = files.get(fi);
      boolean lastFile = fi == files.size() - 1;
      long lineNo = fi == start.fileIndex() ? start.line() : 0;
      long fileOffset = fi == start.fileIndex() ? start.offset() : 0;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ch.position(fileOffset);
        int filled = 0;
        while (true) {
          if (filled == buf.length) {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          }
          int n = ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
          if (n < 0) {
            break;
          }
          filled += n;
          int from = 0;
          int nl;
          while ((nl = indexOf(buf, from, filled)) >= 0) {
            lineNo++;
            Optional<Problem> p = check(buf, from, nl, file, lineNo, expectSeq, r);
            if (p.isPresent()) {
              r.problem = p;
              return r;
            }
            r.records++;
            r.lastSeq = expectSeq;
            r.lastFileIndex = fi;
            r.lastLine = lineNo;
            r.lastEnd = fileOffset + nl + 1;
            if (expectSeq == watchSeq) {
              r.watchedHash = hash.clone();
            }
            sink.accept(file, lineNo, expectSeq, buf, from, nl);
            expectSeq++;
            from = nl + 1;
          }
          System.arraycopy(buf, from, buf, 0, filled - from);
          fileOffset += from;
          filled -= from;
        }
        if (filled > 0) {
          if (lastFile) {
            r.incompleteTailBytes = filled;
          } else {
            r.problem = Optional.of(cutInside(file, lineNo + 1, expectSeq, filled,
                files.get(fi + 1)));
            return r;
          }
        }
      }
    }
    return r;
  }

  static Problem cutInside(Path file, long line, long expectSeq, long bytes, Path next) {
    return new Problem(Kind.MODIFIED, file, line, expectSeq, "the file ends in the middle of a"
        + " record (" + bytes + " bytes without a newline) but the chain continues in "
        + next.getFileName() + ": it was cut or edited");
  }

  /**
   * The same checks as {@link #scan} from the beginning, with each file's own chain checked on
   * its own thread (starting from what its first record claims) and the seams between files
   * checked after: verification of a rotated log scales with the cores. Same result, same first
   * problem; only for verification, where records need not reach a sink in order.
   */
  static Result scanParallel(List<Path> files, HostKey key, long watchSeq) throws IOException {
    int n = files.size();
    List<java.util.concurrent.Future<Result>> parts = new java.util.ArrayList<>();
    long[] firstSeq = new long[n];
    byte[][] firstPrev = new byte[n][];
    int threads = Math.max(1, Math.min(n, Runtime.getRuntime().availableProcessors()));
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
      for (int i = 0; i < n; i++) {
        Chain.Parsed p = new Chain.Parsed();
        byte[] head = firstLine(files.get(i));
        boolean framed = head.length > 0 && Chain.parse(head, 0, head.length, p);
        firstSeq[i] = framed ? p.seq : -1;
        firstPrev[i] = framed
            ? java.util.HexFormat.of().parseHex(new String(head, p.prevAt, Chain.HEX,
                java.nio.charset.StandardCharsets.US_ASCII))
            : Chain.ZERO_HASH;
        Start start = new Start(i, 0, 0, framed ? p.seq : 1, firstPrev[i]);
        List<Path> one = files.subList(i, i + 1);
        parts.add(pool.submit(() -> new ChainReader(key.mac()).scan(one,
            new Start(0, 0, 0, start.nextSeq(), start.prev()), watchSeq, (f, l, s, b, x, y) -> {})));
      }
      Result merged = new Result();
      merged.lastSeq = 0;
      System.arraycopy(Chain.ZERO_HASH, 0, merged.lastHash, 0, 32);
      for (int i = 0; i < n; i++) {
        Result r = join(parts.get(i));
        boolean firstOk = r.records > 0 || r.problem.map(p -> p.line() > 1).orElse(false);
        if (firstOk && firstSeq[i] >= 0) {
          Optional<Problem> seam = link(files.get(i), 1, merged.lastSeq + 1, firstSeq[i],
              java.util.Arrays.equals(firstPrev[i], merged.lastHash));
          if (seam.isPresent()) {
            merged.problem = seam;
            return merged;
          }
        }
        merged.records += r.records;
        if (r.records > 0) {
          merged.lastSeq = r.lastSeq;
          System.arraycopy(r.lastHash, 0, merged.lastHash, 0, 32);
          merged.lastFileIndex = i;
          merged.lastLine = r.lastLine;
          merged.lastEnd = r.lastEnd;
        }
        if (r.watchedHash != null) {
          merged.watchedHash = r.watchedHash;
        }
        if (r.problem.isPresent()) {
          merged.problem = r.problem;
          return merged;
        }
        if (r.incompleteTailBytes > 0) {
          if (i < n - 1) {
            merged.problem = Optional.of(cutInside(files.get(i), r.lastLine + 1,
                merged.lastSeq + 1, r.incompleteTailBytes, files.get(i + 1)));
            return merged;
          }
          merged.incompleteTailBytes = r.incompleteTailBytes;
        }
      }
      return merged;
    }
  }

  private static Result join(java.util.concurrent.Future<Result> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("verification interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The first line of {@code file} without its newline (empty when there is none yet). */
  private static byte[] firstLine(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(64 * 1024);
      while (true) {
        int n = ch.read(b);
        for (int i = 0; i < b.position(); i++) {
          if (b.get(i) == '\n') {
            return java.util.Arrays.copyOf(b.array(), i);
          }
        }
        if (n < 0) {
          return new byte[0];
        }
        if (!b.hasRemaining()) {
          ByteBuffer bigger = ByteBuffer.allocate(b.capacity() * 2);
          b.flip();
          bigger.put(b);
          b = bigger;
        }
      }
    }
  }

  private static int indexOf(byte[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private Optional<Problem> check(byte[] buf, int from, int to, Path file, long lineNo,
      long expectSeq, Result r) {
    if (!Chain.parse(buf, from, to, parsed)) {
      return Optional.of(new Problem(Kind.MODIFIED, file, lineNo, expectSeq,
          parsed.error + ": a line was edited or inserted"));
    }
    Chain.seal(sha, mac, buf, from, parsed.bodyEnd, hash, tag);
    if (!Chain.hexEquals(buf, parsed.hmacAt, tag)) {
      return Optional.of(new Problem(Kind.MODIFIED, file, lineNo, expectSeq,
          "record seq " + parsed.seq + " does not match its HMAC: it was edited, or forged"
              + " without the host key"));
    }
    Optional<Problem> seam = link(file, lineNo, expectSeq, parsed.seq,
        Chain.hexEquals(buf, parsed.prevAt, r.lastHash));
    if (seam.isPresent()) {
      return seam;
    }
    System.arraycopy(hash, 0, r.lastHash, 0, 32);
    return Optional.empty();
  }

  /** Whether a validly signed record with {@code seq} may follow record {@code expectSeq - 1}. */
  static Optional<Problem> link(Path file, long lineNo, long expectSeq, long seq,
      boolean prevMatches) {
    if (seq > expectSeq) {
      return Optional.of(new Problem(Kind.MISSING, file, lineNo, expectSeq,
          "expected record seq " + expectSeq + " but found seq " + seq + ": records "
              + expectSeq + (seq - 1 > expectSeq ? ".." + (seq - 1) : "")
              + " were deleted or moved"));
    }
    if (seq < expectSeq) {
      return Optional.of(new Problem(Kind.OUT_OF_ORDER, file, lineNo, expectSeq,
          "record seq " + seq + " comes after seq " + (expectSeq - 1)
              + ": it was moved, duplicated or replayed"));
    }
    if (!prevMatches) {
      return Optional.of(new Problem(Kind.FOREIGN, file, lineNo, expectSeq,
          "record seq " + seq + " is signed but its prev is not the hash of record "
              + (expectSeq - 1) + ": spliced in from another chain"));
    }
    return Optional.empty();
  }
}
