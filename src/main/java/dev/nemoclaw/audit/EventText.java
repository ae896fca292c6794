package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * One line for a human per stored event, as {@code nemoclaw logs} prints them:
 *
 * <pre>
 * 2026-11-23T17:01:02.123Z  egress denied GET pastebin.com:80/raw/x from /usr/bin/curl — deny rule pastebin.com
 * 2026-11-23T17:01:02.123Z  start pid 12 python3 ask.py
 * 2026-11-23T17:01:03.456Z  exit 0 (peak 45.0 MiB, 0.3 s cpu, 3 pids)
 * </pre>
 *
 * Reads the stored OCSF object (docs/audit.md, "OCSF mapping"), not {@link AuditEvent}, so that a
 * log written by an older version reads too. Everything in an event may come from the agent (a
 * host name, a path, its command line), so control characters are shown escaped, never sent to
 * the terminal.
 */
public final class EventText {
  private EventText() {}

  /** {@code TIME  TEXT}; TIME as in {@link Syslog#timestamp}. */
  public static String line(JsonNode event) {
    JsonNode t = event.path("time");
    String time = t.canConvertToLong() ? Syslog.timestamp(t.asLong()) : "-";
    return time + "  " + text(event);
  }

  /** Whether the event is one of the log's own checkpoints (not an OCSF event). */
  public static boolean isCheckpoint(JsonNode event) {
    return event.path("class_uid").asInt(-1) == 0;
  }

  /** The line without its time. */
  public static String text(JsonNode e) {
    String s = switch (e.path("class_uid").asInt(-1)) {
      case 0 -> "checkpoint " + str(e, "why") + " (" + e.path("records").asLong() + " records, "
          + str(e, "file") + ")";
      case 4001 -> egress(e, "");
      case 4002 -> {
        JsonNode req = e.path("http_request");
        yield egress(e, str(req, "http_method") + " ");
      }
      case 6003 -> "Tool Call".equals(str(e, "activity_name")) ? tool(e) : inference(e);
      case 1007 -> process(e);
      case 3003 -> approval(e);
      case 5019 -> policy(e);
      case 2004 -> privacy(e);
      default -> str(e, "class_name") + " " + str(e, "activity_name") + " (class "
          + e.path("class_uid").asText("?") + ")";
    };
    return safe(s.strip());
  }

  private static String egress(JsonNode e, String method) {
    StringBuilder s = new StringBuilder("egress ")
        .append(str(e, "action").toLowerCase(Locale.ROOT)).append(' ').append(method);
    JsonNode dst = e.path("dst_endpoint");
    s.append(str(dst, "hostname")).append(':').append(dst.path("port").asText());
    String path = str(e.path("http_request").path("url"), "path");
    if (!path.isEmpty()) {
      s.append(path);
    }
    JsonNode code = e.path("http_response").path("code");
    if (code.canConvertToInt()) {
      s.append(" → ").append(code.asInt());
    }
    String binary = str(e.path("actor").path("process").path("file"), "path");
    if (!binary.isEmpty()) {
      s.append(" from ").append(binary);
    }
    String reason = str(e, "status_detail");
    if (!reason.isEmpty()) {
      s.append(" — ").append(reason);
    }
    return s.toString();
  }

  private static String tool(JsonNode e) {
    JsonNode u = e.path("unmapped");
    StringBuilder s = new StringBuilder("tool ")
        .append(u.path("allowed").asBoolean() ? "allowed " : "refused ")
        .append(str(e.path("api").path("service"), "name")).append('/')
        .append(str(e.path("api"), "operation")).append(" (").append(str(u, "action"))
        .append(", risk ").append(str(u, "risk")).append(")");
    StringBuilder f = new StringBuilder();
    u.path("findings").properties().forEach(x -> f.append(f.isEmpty() ? "" : ", ")
        .append(x.getKey()).append(" ×").append(x.getValue().asInt()));
    if (!f.isEmpty()) {
      s.append(" findings ").append(f);
    }
    String approval = str(u, "approval");
    if (!approval.isEmpty()) {
      s.append(" approval ").append(approval);
    }
    String reason = str(u, "reason");
    if (!reason.isEmpty()) {
      s.append(" — ").append(reason);
    }
    return s.toString();
  }

  private static String inference(JsonNode e) {
    JsonNode u = e.path("unmapped");
    StringBuilder s = new StringBuilder("inference ").append(str(u, "route")).append(' ')
        .append(str(u, "model")).append(' ').append(e.path("api").path("response").path("code")
            .asText("?"))
        .append(' ').append(u.path("input_tokens").asLong()).append('+')
        .append(u.path("output_tokens").asLong()).append(" tok $")
        .append(usd(u.path("usd").asDouble()));
    String error = str(u, "error");
    if (!error.isEmpty()) {
      s.append(" — ").append(error);
    }
    return s.toString();
  }

  private static String process(JsonNode e) {
    long pid = e.path("process").path("pid").asLong();
    if (e.path("activity_id").asInt() == 1) {
      return "start pid " + pid + " " + str(e.path("process"), "cmd_line");
    }
    JsonNode u = e.path("unmapped");
    StringBuilder s = new StringBuilder("exit ").append(e.path("exit_code").asText("?"));
    if (u.path("signal").canConvertToInt()) {
      s.append(", killed by signal ").append(u.path("signal").asInt());
    }
    if (u.path("oom").asBoolean()) {
      s.append(", by the OOM killer");
    }
    s.append(" (pid ").append(pid)
        .append(", peak ").append(mib(u.path("peak_memory_bytes").asLong()))
        .append(", ").append(String.format(Locale.ROOT, "%.1f", u.path("cpu_seconds").asDouble()))
        .append(" s cpu, ").append(u.path("peak_pids").asLong()).append(" pids)");
    return s.toString();
  }

  private static String approval(JsonNode e) {
    JsonNode u = e.path("unmapped");
    boolean granted = e.path("activity_id").asInt() == 1;
    StringBuilder s = new StringBuilder("approval ").append(granted ? "granted " : "denied ");
    String scope = str(u, "scope");
    if (granted && !scope.isEmpty()) {
      s.append(scope).append(' ');
    }
    s.append(str(u, "kind")).append(':').append(str(u, "subject"))
        .append(" by ").append(str(e.path("actor").path("user"), "name"));
    String channel = str(u, "channel");
    if (!channel.isEmpty()) {
      s.append(" (").append(channel).append(')');
    }
    String id = str(u, "request_id");
    if (!id.isEmpty()) {
      s.append(" [").append(id).append(']');
    }
    return s.toString();
  }

  private static String policy(JsonNode e) {
    JsonNode u = e.path("unmapped");
    StringBuilder s = new StringBuilder("policy rev ").append(u.path("revision").asText("?"))
        .append(" by ").append(str(e.path("actor").path("user"), "name"));
    String channel = str(u, "channel");
    if (!channel.isEmpty()) {
      s.append(" (").append(channel).append(')');
    }
    StringBuilder changes = new StringBuilder();
    u.path("added").forEach(a -> changes.append(" +").append(a.asText()));
    u.path("removed").forEach(r -> changes.append(" -").append(r.asText()));
    if (!changes.isEmpty()) {
      s.append(':').append(changes);
    }
    String reason = str(u, "reason");
    if (!reason.isEmpty()) {
      s.append(" — ").append(reason);
    }
    return s.toString();
  }

  private static String privacy(JsonNode e) {
    JsonNode u = e.path("unmapped");
    StringBuilder s = new StringBuilder("privacy ").append(str(u, "action")).append(' ')
        .append(str(e.path("finding_info"), "title")).append(" x")
        .append(u.path("count").asInt()).append(' ').append(str(u, "where"));
    String dest = str(u, "destination");
    if (!dest.isEmpty()) {
      s.append(' ').append(dest);
    }
    return s.toString();
  }

  private static String str(JsonNode o, String field) {
    JsonNode v = o.path(field);
    return v.isValueNode() ? v.asText() : "";
  }

  /** Mebibytes with one decimal: {@code 45.0 MiB}. */
  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /** Dollars, as many decimals as a cheap call needs: {@code 0.0004}, {@code 1.25}. */
  private static String usd(double v) {
    if (v == 0) {
      return "0";
    }
    if (Math.abs(v) >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(2));
    return d.scale() < 2 ? d.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString()
        : d.stripTrailingZeros().toPlainString();
  }

  /**
   * Control characters (C0, DEL, C1) as {@code \xNN} and line/paragraph separators as
   * {@code \u2028}: an agent's host name or command line must not move the cursor, recolour the
   * terminal or forge a line of its own.
   */
  static String safe(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean bad = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
      if (bad && out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (out != null) {
        if (!bad) {
          out.append(c);
        } else if (c <= 0xff) {
          out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
        } else {
          out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        }
      }
    }
    return out == null ? s : out.toString();
  }
}
