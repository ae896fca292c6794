package dev.nemoclaw.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cuts a server-sent-event byte stream into events (the lines before each blank line). Lines are
 * split on the {@code \n} byte, which never occurs inside a UTF-8 sequence, so a read that ends in
 * the middle of a character is harmless.
 */
final class SseParser {
  /** No event may grow past this: a provider streaming an endless line cannot fill the heap. */
  static final int MAX_EVENT_BYTES = 16 << 20;

  interface Sink {
    void event(List<String> lines) throws IOException;
  }

  private final Sink sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private List<String> lines = new ArrayList<>();
  private long eventBytes;

  SseParser(Sink sink) {
    this.sink = sink;
  }

  /** Copies whole runs between newlines: the stream's every byte passes here. */
  void feed(byte[] buf, int off, int len) throws IOException {
    int end = off + len;
    int from = off;
    for (int i = off; i < end; i++) {
      if (buf[i] == '\n') {
        line.write(buf, from, i - from);
        from = i + 1;
        String l = line.toString(StandardCharsets.UTF_8);
        line.reset();
        eventBytes += l.length();
        endLine(l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
      }
    }
    line.write(buf, from, end - from);
    if (eventBytes + line.size() > MAX_EVENT_BYTES) {
      throw new IOException("the provider sent a server-sent event larger than "
          + (MAX_EVENT_BYTES >> 20) + " MiB; the stream was cut");
    }
  }

  /** The stream ended: an event without its closing blank line still counts. */
  void finish() throws IOException {
    if (line.size() > 0) {
      endLine(line.toString(StandardCharsets.UTF_8));
      line.reset();
    }
    endLine("");
  }

  private void endLine(String l) throws IOException {
    if (!l.isEmpty()) {
      lines.add(l);
    } else if (!lines.isEmpty()) {
      List<String> event = lines;
      lines = new ArrayList<>();
      eventBytes = 0;
      sink.event(event);
    }
  }

  /** The event's data (its {@code data:} lines joined by newlines), if it has any. */
  static Optional<String> data(List<String> event) {
    StringBuilder sb = null;
    for (String l : event) {
      if (l.startsWith("data:")) {
        String v = l.substring(5);
        v = v.startsWith(" ") ? v.substring(1) : v;
        sb = sb == null ? new StringBuilder(v) : sb.append('\n').append(v);
      }
    }
    return Optional.ofNullable(sb).map(StringBuilder::toString);
  }

  /** The event with its data replaced, ready to send on. */
  static String render(List<String> event, String data) {
    StringBuilder sb = new StringBuilder();
    boolean written = false;
    for (String l : event) {
      if (!l.startsWith("data:")) {
        sb.append(l).append('\n');
      } else if (!written) {
        for (String d : data.split("\n", -1)) {
          sb.append("data: ").append(d).append('\n');
        }
        written = true;
      }
    }
    return sb.append('\n').toString();
  }
}
