package dev.nemoclaw.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * JSON-lines framing over a blocking {@link SocketChannel}, read and written with the channel's
 * own methods: the stream adaptors share one lock between reading and writing, and a connection
 * here reads and writes from different threads at once.
 */
final class Lines {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Thrown by {@link #read()} for a line over the limit; the rest of it is skipped. */
  static final class TooLong extends IOException {
    TooLong(int limit) {
      super("line longer than " + limit + " bytes");
    }
  }

  private final SocketChannel ch;
  private final int limit;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
  private final Object writeLock = new Object();
  /** Inside a line already refused as too long: discard up to its newline. */
  private boolean skipping;

  Lines(SocketChannel ch, int limit) {
    this.ch = ch;
    this.limit = limit;
  }

  /**
   * The next line without its terminator, or null at end of stream. An unterminated tail before
   * the end is not a line (its writer went away mid-request) and is dropped. A line over the
   * limit is refused as soon as it crosses it, without waiting for its end: {@link TooLong} is
   * thrown, and the next call first skips the rest of it.
   */
  String read() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      if (!in.hasRemaining()) {
        in.clear();
        int n = ch.read(in);
        in.flip();
        if (n < 0) {
          return null;
        }
        continue;
      }
      int start = in.position();
      int end = start;
      while (end < in.limit() && in.get(end) != '\n') {
        end++;
      }
      boolean found = end < in.limit();
      in.position(found ? end + 1 : end);
      if (skipping) {
        skipping = !found;
        continue;
      }
      if (line.size() + (end - start) > limit) {
        skipping = !found;
        throw new TooLong(limit);
      }
      line.write(in.array(), in.arrayOffset() + start, end - start);
      if (found) {
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
    }
  }

  void write(ObjectNode value) throws IOException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IOException("cannot encode a control message: " + e.getOriginalMessage(), e);
    }
    ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
    synchronized (writeLock) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
  }
}
