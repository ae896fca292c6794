package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

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
    String version = version();
    ChainReader.Sink sink = switch (format) {
      case JSONL -> (file, line, seq, buf, from, to) -> {
        out.write(buf, from, to - from);
        out.write('\n');
      };
      case OCSF -> (file, line, seq, buf, from, to) -> {
        ObjectNode event = Records.event(buf, from, to);
        if (event.path("class_uid").asInt() != 0) {
          ObjectNode meta = event.putObject("metadata");
          meta.put("version", Ocsf.VERSION);
          meta.put("uid", log.name() + ":" + seq);
          meta.put("log_name", file.getFileName().toString());
          meta.put("sequence", seq);
          ObjectNode product = meta.putObject("product");
          product.put("name", "nemoclaw");
          product.put("vendor_name", "nemoclaw");
          product.put("version", version);
          event.putObject("device").put("name", log.name());
          out.write(JSON.writeValueAsBytes(event));
          out.write('\n');
        }
      };
      case CEF -> (file, line, seq, buf, from, to) -> {
        ObjectNode event = Records.event(buf, from, to);
        if (event.path("class_uid").asInt() != 0) {
          out.write(cef(event, log.name(), seq, version).getBytes(StandardCharsets.UTF_8));
          out.write('\n');
        }
      };
    };
    Verification v = log.read(key, sink);
    out.flush();
    return v;
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
