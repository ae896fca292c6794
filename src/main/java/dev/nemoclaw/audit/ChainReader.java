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
            r.problem = Optional.of(new Problem(Kind.MODIFIED, file, lineNo + 1, expectSeq,
                "the file ends in the middle of a record (" + filled + " bytes without a newline)"
                    + " but the chain continues in " + files.get(fi + 1).getFileName()
                    + ": it was cut or edited"));
            return r;
          }
        }
      }
    }
    return r;
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
    if (parsed.seq > expectSeq) {
      return Optional.of(new Problem(Kind.MISSING, file, lineNo, expectSeq,
          "expected record seq " + expectSeq + " but found seq " + parsed.seq + ": records "
              + expectSeq + (parsed.seq - 1 > expectSeq ? ".." + (parsed.seq - 1) : "")
              + " were deleted or moved"));
    }
    if (parsed.seq < expectSeq) {
      return Optional.of(new Problem(Kind.OUT_OF_ORDER, file, lineNo, expectSeq,
          "record seq " + parsed.seq + " comes after seq " + (expectSeq - 1)
              + ": it was moved, duplicated or replayed"));
    }
    if (!Chain.hexEquals(buf, parsed.prevAt, r.lastHash)) {
      return Optional.of(new Problem(Kind.FOREIGN, file, lineNo, expectSeq,
          "record seq " + parsed.seq + " is signed but its prev is not the hash of record "
              + (expectSeq - 1) + ": spliced in from another chain"));
    }
    System.arraycopy(hash, 0, r.lastHash, 0, 32);
    return Optional.empty();
  }
}
