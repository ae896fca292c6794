package dev.nemoclaw.image;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A layer blob as it is read: every byte goes through SHA-256 and a counter (driving the progress
 * bar), and {@link #verify} refuses the blob unless all of it hashes to its digest. The unpacked
 * files are only ever kept after that check passed.
 */
final class BlobStream extends FilterInputStream {
  private final MessageDigest sha = Digest.sha256();
  private final Progress progress;
  private long count;

  BlobStream(InputStream raw, Progress progress) {
    super(raw);
    this.progress = progress;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      sha.update((byte) b);
      progress.advance(++count);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      sha.update(buf, off, n);
      count += n;
      progress.advance(count);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 8192)];
    int r = read(buf, 0, buf.length);
    return Math.max(r, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /**
   * Reads what the unpacker left (tar padding, trailing zero blocks), then compares size and
   * digest; {@code what} names the blob.
   */
  void verify(Digest expected, long expectedSize, String what) throws IOException, ImageException {
    byte[] buf = new byte[65536];
    while (read(buf, 0, buf.length) >= 0) {
      // hashed by read(): trailing bytes count as much as the ones the tar reader wanted
    }
    progress.end(count);
    String actual = HexFormat.of().formatHex(sha.digest());
    if (expectedSize >= 0 && count != expectedSize) {
      throw new ImageException(what + ": " + count + " bytes, but its descriptor says "
          + expectedSize + "; the file is truncated or was altered");
    }
    if (!actual.equals(expected.hex())) {
      throw new ImageException(what + ": its content has digest sha256:" + actual + ", not "
          + expected + "; the file is corrupt or was altered, and the image was refused");
    }
  }

  /** The uncompressed tar inside, by the blob's first bytes: gzip, zstd or a plain tar. */
  InputStream decompressed(String what) throws IOException, ImageException {
    BufferedInputStream b = new BufferedInputStream(this, 65536);
    b.mark(4);
    byte[] magic = b.readNBytes(4);
    b.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GzipCompressorInputStream(b, true);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      return Zstd.decompress(b, what);
    }
    return b;
  }
}
