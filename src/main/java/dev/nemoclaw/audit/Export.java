package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Streams a log to a SIEM format while verifying it: every record is checked before it is
 * written, and the export stops at the first bad one (the returned verification says where), so
 * nothing tampered reaches the SIEM unflagged.
 */
public final class Export {
  /**
   * {@code JSONL}: the stored records verbatim (chain and HMAC included, so they can be verified
   * again later); {@code OCSF}: one OCSF event object per line with {@code metadata}; {@code CEF}:
   * ArcSight Common Event Format lines. Checkpoints appear only in JSONL.
   */
  public enum Format { OCSF, JSONL, CEF }

  private static final ObjectMapper JSON = new ObjectMapper();

  private Export() {}

  public static Verification write(AuditLog log, HostKey key, Format format, OutputStream out)
      throws IOException {
    Verification v = log.read(key, streamSink(log, format, out));
    out.flush();
    return v;
  }

  /**
   * As {@link #write}, then keeps writing records as they are appended (see {@link Follower}),
   * flushing after each batch, until a bad record (the returned verification) or an interrupt.
   */
  public static Verification follow(AuditLog log, HostKey key, Format format, OutputStream out)
      throws IOException, InterruptedException {
    return new Follower(log, key).follow(streamSink(log, format, out), out);
  }

  /**
   * Where exported records go, one at a time in chain order: the record's seq, its stored event
   * object ({@code class_uid} 0 for a checkpoint) and its text in the export format, one line
   * without the newline. {@code flush} is called after the history and after each batch of new
   * records while following.
   */
  public interface Destination extends java.io.Flushable {
    void accept(long seq, ObjectNode event, byte[] text) throws IOException;

    @Override
    default void flush() throws IOException {}
  }

  /** Exports the log to {@code to}, verifying each record first; stops at the first bad one. */
  public static Verification send(AuditLog log, HostKey key, Format format, Destination to)
      throws IOException {
    Verification v = log.read(key, sink(log, format, to));
    to.flush();
    return v;
  }

  /** As {@link #send}, then goes on with records as they are appended (see {@link Follower}). */
  public static Verification sendFollowing(AuditLog log, HostKey key, Format format,
      Destination to) throws IOException, InterruptedException {
    return new Follower(log, key).follow(sink(log, format, to), to);
  }

  /** Straight to a stream: JSONL copies the stored bytes without parsing them. */
  private static ChainReader.Sink streamSink(AuditLog log, Format format, OutputStream out) {
    if (format == Format.JSONL) {
      return (file, line, seq, buf, from, to) -> {
        out.write(buf, from, to - from);
        out.write('\n');
      };
    }
    return sink(log, format, (seq, event, text) -> {
      out.write(text);
      out.write('\n');
    });
  }

  private static ChainReader.Sink sink(AuditLog log, Format format, Destination d) {
    String version = version();
    return switch (format) {
      case JSONL -> (file, line, seq, buf, from, to) ->
          d.accept(seq, Records.event(buf, from, to), java.util.Arrays.copyOfRange(buf, from, to));
      case OCSF -> (file, line, seq, buf, from, to) -> {
        ObjectNode event = Records.event(buf, from, to);
        if (event.path("class_uid").asInt() != 0) {
          d.accept(seq, event, JSON.writeValueAsBytes(
              withMetadata(event, log.name(), file, seq, version)));
        }
      };
      case CEF -> (file, line, seq, buf, from, to) -> {
        ObjectNode event = Records.event(buf, from, to);
        if (event.path("class_uid").asInt() != 0) {
          d.accept(seq, event, cef(event, log.name(), seq, version)
              .getBytes(StandardCharsets.UTF_8));
        }
      };
    };
  }

  /**
   * A stored event as the {@code ocsf} export writes it: a copy with {@code metadata} (version,
   * product, {@code uid} NAME:seq, {@code log_name}, {@code sequence}) and {@code device.name}.
   */
  public static ObjectNode ocsf(ObjectNode stored, String sandbox, Path file, long seq) {
    return withMetadata(stored.deepCopy(), sandbox, file, seq, version());
  }

  private static ObjectNode withMetadata(ObjectNode event, String sandbox, Path file, long seq,
      String version) {
    ObjectNode meta = event.putObject("metadata");
    meta.put("version", Ocsf.VERSION);
    meta.put("uid", sandbox + ":" + seq);
    meta.put("log_name", file.getFileName().toString());
    meta.put("sequence", seq);
    ObjectNode product = meta.putObject("product");
    product.put("name", "nemoclaw");
    product.put("vendor_name", "nemoclaw");
    product.put("version", version);
    event.putObject("device").put("name", sandbox);
    return event;
  }

  /** One CEF:0 line; OCSF severity 1..6 spreads over CEF's 0..10. */
  static String cef(JsonNode e, String sandbox, long seq, String version) {
    int sev = switch (e.path("severity_id").asInt(1)) {
      case 1 -> 1; case 2 -> 3; case 3 -> 5; case 4 -> 7; case 5 -> 9; default -> 10;
    };
    StringBuilder s = new StringBuilder("CEF:0|nemoclaw|nemoclaw|").append(header(version))
        .append('|').append(e.path("type_uid").asLong()).append('|')
        .append(header(e.path("class_name").asText() + ": " + e.path("activity_name").asText()))
        .append('|').append(sev).append('|');
    ext(s, "rt", e.path("time").asText());
    ext(s, "externalId", sandbox + ":" + seq);
    ext(s, "dvchost", sandbox);
    ext(s, "cat", e.path("category_name").asText());
    ext(s, "act", e.path("action").asText());
    ext(s, "reason", e.path("status_detail").asText());
    JsonNode dst = e.path("dst_endpoint");
    ext(s, "dhost", dst.path("hostname").asText());
    ext(s, "dpt", dst.path("port").asText());
    JsonNode req = e.path("http_request");
    ext(s, "requestMethod", req.path("http_method").asText());
    ext(s, "request", req.path("url").path("path").asText());
    ext(s, "sproc", e.path("actor").path("process").path("file").path("path").asText());
    ext(s, "suser", e.path("actor").path("user").path("name").asText());
    ext(s, "spid", e.path("process").path("pid").asText());
    ext(s, "cs1Label", e.has("unmapped") ? "unmapped" : "");
    ext(s, "cs1", e.has("unmapped") ? e.get("unmapped").toString() : "");
    return s.toString().stripTrailing();
  }

  private static void ext(StringBuilder s, String k, String v) {
    if (v == null || v.isEmpty()) {
      return;
    }
    s.append(k).append('=').append(v.replace("\\", "\\\\").replace("=", "\\=")
        .replace("\r", "\\r").replace("\n", "\\n")).append(' ');
  }

  private static String header(String v) {
    return v.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ");
  }

  private static String version() {
    String v = Export.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

}
