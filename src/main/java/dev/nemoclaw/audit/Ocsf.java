package dev.nemoclaw.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.nemoclaw.audit.AuditEvent.Approval;
import dev.nemoclaw.audit.AuditEvent.Checkpoint;
import dev.nemoclaw.audit.AuditEvent.Decision;
import dev.nemoclaw.audit.AuditEvent.Http;
import dev.nemoclaw.audit.AuditEvent.Inference;
import dev.nemoclaw.audit.AuditEvent.Network;
import dev.nemoclaw.audit.AuditEvent.PolicyChange;
import dev.nemoclaw.audit.AuditEvent.PrivacyFinding;
import dev.nemoclaw.audit.AuditEvent.ProcessExit;
import dev.nemoclaw.audit.AuditEvent.ProcessStart;
import dev.nemoclaw.audit.AuditEvent.ToolCall;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Writes an event as the OCSF 1.3 object it is stored as (the {@code event} of a record), so the
 * {@code ocsf} export is the stored object plus {@code metadata}. Attributes OCSF has no place for
 * (tokens, cost, the OOM flag, …) go under {@code unmapped}, as OCSF prescribes.
 */
final class Ocsf {
  static final String VERSION = "1.3.0";

  private Ocsf() {}

  static void write(AuditEvent e, JsonGenerator g) throws IOException {
    g.writeStartObject();
    switch (e) {
      case Network n -> {
        int activity = switch (n.decision()) { case ALLOWED -> 1; case DENIED -> 5; case HELD -> 99; };
        header(g, n, 4001, "Network Activity", 4, "Network Activity", activity,
            switch (n.decision()) { case ALLOWED -> "Open"; case DENIED -> "Refuse"; case HELD -> "Held"; },
            severity(n.decision()));
        decision(g, n.decision(), n.reason());
        dstEndpoint(g, n.host(), n.port());
        actor(g, n.binary());
      }
      case Http h -> {
        int activity = httpActivity(h.method());
        header(g, h, 4002, "HTTP Activity", 4, "Network Activity", activity,
            activity == 99 ? h.method() : title(h.method()), severity(h.decision()));
        decision(g, h.decision(), h.reason());
        g.writeObjectFieldStart("http_request");
        g.writeStringField("http_method", h.method());
        g.writeObjectFieldStart("url");
        g.writeStringField("hostname", h.host());
        g.writeNumberField("port", h.port());
        g.writeStringField("path", h.path());
        g.writeEndObject();
        g.writeEndObject();
        if (h.status().isPresent()) {
          g.writeObjectFieldStart("http_response");
          g.writeNumberField("code", h.status().get());
          g.writeEndObject();
        }
        dstEndpoint(g, h.host(), h.port());
        actor(g, h.binary());
      }
      case Inference i -> {
        boolean ok = i.status() >= 200 && i.status() < 400;
        header(g, i, 6003, "API Activity", 6, "Application Activity", 99, "Inference", 1);
        g.writeNumberField("status_id", ok ? 1 : 2);
        g.writeStringField("status", ok ? "Success" : "Failure");
        g.writeObjectFieldStart("api");
        g.writeStringField("operation", "inference");
        g.writeObjectFieldStart("service");
        g.writeStringField("name", i.provider());
        g.writeEndObject();
        g.writeObjectFieldStart("response");
        g.writeNumberField("code", i.status());
        g.writeEndObject();
        g.writeEndObject();
        g.writeObjectFieldStart("unmapped");
        g.writeStringField("route", i.route());
        g.writeStringField("model", i.model());
        g.writeNumberField("input_tokens", i.inputTokens());
        g.writeNumberField("output_tokens", i.outputTokens());
        g.writeNumberField("usd", i.usd());
        if (!i.error().isEmpty()) {
          g.writeStringField("error", i.error());
        }
        g.writeEndObject();
      }
      case ToolCall t -> {
        header(g, t, 6003, "API Activity", 6, "Application Activity", 99, "Tool Call",
            t.allowed() ? 1 : 2);
        g.writeNumberField("status_id", t.allowed() ? 1 : 2);
        g.writeStringField("status", t.allowed() ? "Success" : "Failure");
        decision(g, t.allowed() ? Decision.ALLOWED : Decision.DENIED, t.reason());
        g.writeObjectFieldStart("api");
        g.writeStringField("operation", t.tool());
        g.writeObjectFieldStart("service");
        g.writeStringField("name", t.server());
        g.writeEndObject();
        g.writeEndObject();
        if (!t.binary().isEmpty()) {
          actor(g, t.binary());
        }
        g.writeObjectFieldStart("unmapped");
        g.writeStringField("action", t.action());
        g.writeBooleanField("allowed", t.allowed());
        g.writeStringField("rule", t.rule());
        g.writeStringField("reason", t.reason());
        g.writeStringField("risk", t.risk());
        g.writeObjectFieldStart("findings");
        for (var f : t.findings().entrySet()) {
          g.writeNumberField(f.getKey(), f.getValue());
        }
        g.writeEndObject();
        if (t.approval().isPresent()) {
          g.writeStringField("approval", t.approval().get());
        }
        g.writeEndObject();
      }
      case ProcessStart p -> {
        header(g, p, 1007, "Process Activity", 1, "System Activity", 1, "Launch", 1);
        g.writeObjectFieldStart("process");
        g.writeNumberField("pid", p.pid());
        g.writeStringField("cmd_line", String.join(" ", p.command()));
        g.writeEndObject();
        g.writeObjectFieldStart("unmapped");
        g.writeNumberField("policy_revision", p.policyRevision());
        g.writeEndObject();
      }
      case ProcessExit p -> {
        header(g, p, 1007, "Process Activity", 1, "System Activity", 2, "Terminate",
            p.oom() || p.signal().isPresent() ? 3 : p.exitCode() == 0 ? 1 : 2);
        g.writeObjectFieldStart("process");
        g.writeNumberField("pid", p.pid());
        g.writeEndObject();
        g.writeNumberField("exit_code", p.exitCode());
        g.writeObjectFieldStart("unmapped");
        if (p.signal().isPresent()) {
          g.writeNumberField("signal", p.signal().get());
        }
        g.writeBooleanField("oom", p.oom());
        g.writeNumberField("peak_memory_bytes", p.peakMemoryBytes());
        g.writeNumberField("cpu_seconds", p.cpuSeconds());
        g.writeNumberField("peak_pids", p.peakPids());
        g.writeEndObject();
      }
      case Approval a -> {
        header(g, a, 3003, "Authorize Session", 3, "Identity & Access Management",
            a.granted() ? 1 : 99, a.granted() ? "Assign Privileges" : "Deny", a.granted() ? 1 : 2);
        g.writeNumberField("status_id", a.granted() ? 1 : 2);
        actorUser(g, a.operator());
        g.writeArrayFieldStart("privileges");
        g.writeString(a.kind() + ":" + a.subject());
        g.writeEndArray();
        g.writeObjectFieldStart("unmapped");
        g.writeStringField("request_id", a.requestId());
        g.writeStringField("kind", a.kind());
        g.writeStringField("subject", a.subject());
        g.writeStringField("scope", a.scope());
        g.writeStringField("channel", a.channel());
        g.writeEndObject();
      }
      case PolicyChange c -> {
        header(g, c, 5019, "Device Config State Change", 5, "Discovery", 99, "Policy Revision", 1);
        actorUser(g, c.author());
        g.writeObjectFieldStart("unmapped");
        g.writeNumberField("revision", c.revision());
        g.writeStringField("channel", c.channel());
        g.writeStringField("reason", c.reason());
        strings(g, "added", c.added());
        strings(g, "removed", c.removed());
        g.writeEndObject();
      }
      case PrivacyFinding f -> {
        header(g, f, 2004, "Detection Finding", 2, "Findings", 1, "Create",
            "block".equals(f.action()) ? 3 : 2);
        g.writeObjectFieldStart("finding_info");
        g.writeStringField("title", f.detector());
        g.writeStringField("uid", f.detector() + "@" + f.destination());
        g.writeEndObject();
        g.writeObjectFieldStart("unmapped");
        g.writeStringField("action", f.action());
        g.writeStringField("where", f.where());
        g.writeStringField("destination", f.destination());
        g.writeNumberField("count", f.count());
        g.writeEndObject();
      }
      case Checkpoint c -> {
        g.writeNumberField("class_uid", 0);
        g.writeStringField("class_name", "nemoclaw checkpoint");
        time(g, c);
        g.writeNumberField("records", c.records());
        g.writeStringField("file", c.file());
        g.writeStringField("why", c.why());
      }
    }
    g.writeEndObject();
  }

  private static void header(JsonGenerator g, AuditEvent e, int classUid, String className,
      int categoryUid, String categoryName, int activityId, String activityName, int severityId)
      throws IOException {
    g.writeNumberField("class_uid", classUid);
    g.writeStringField("class_name", className);
    g.writeNumberField("category_uid", categoryUid);
    g.writeStringField("category_name", categoryName);
    g.writeNumberField("activity_id", activityId);
    g.writeStringField("activity_name", activityName);
    g.writeNumberField("type_uid", classUid * 100L + activityId);
    g.writeNumberField("severity_id", severityId);
    time(g, e);
  }

  private static void time(JsonGenerator g, AuditEvent e) throws IOException {
    g.writeNumberField("time", e.time().toEpochMilli());
    g.writeStringField("time_dt", e.time().toString());
  }

  private static int severity(Decision d) {
    return d == Decision.ALLOWED ? 1 : 2;
  }

  /** OCSF 1.1+ action and disposition: what the policy did, and why. */
  private static void decision(JsonGenerator g, Decision d, String reason) throws IOException {
    g.writeNumberField("action_id", switch (d) { case ALLOWED -> 1; case DENIED -> 2; case HELD -> 99; });
    g.writeStringField("action", switch (d) { case ALLOWED -> "Allowed"; case DENIED -> "Denied"; case HELD -> "Held"; });
    g.writeNumberField("disposition_id", switch (d) { case ALLOWED -> 1; case DENIED -> 2; case HELD -> 99; });
    g.writeStringField("status_detail", reason);
  }

  private static void actor(JsonGenerator g, String binary) throws IOException {
    g.writeObjectFieldStart("actor");
    g.writeObjectFieldStart("process");
    g.writeObjectFieldStart("file");
    g.writeStringField("path", binary);
    g.writeEndObject();
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void actorUser(JsonGenerator g, String name) throws IOException {
    g.writeObjectFieldStart("actor");
    g.writeObjectFieldStart("user");
    g.writeStringField("name", name);
    g.writeEndObject();
    g.writeEndObject();
  }

  private static void dstEndpoint(JsonGenerator g, String host, int port) throws IOException {
    g.writeObjectFieldStart("dst_endpoint");
    g.writeStringField("hostname", host);
    g.writeNumberField("port", port);
    g.writeEndObject();
  }

  private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  /** OCSF HTTP Activity's activity ids, one per method; anything else is Other (99). */
  static int httpActivity(String method) {
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "CONNECT" -> 1;
      case "DELETE" -> 2;
      case "GET" -> 3;
      case "HEAD" -> 4;
      case "OPTIONS" -> 5;
      case "POST" -> 6;
      case "PUT" -> 7;
      case "TRACE" -> 8;
      case "PATCH" -> 9;
      default -> 99;
    };
  }

  private static String title(String method) {
    String m = method.toLowerCase(Locale.ROOT);
    return m.isEmpty() ? m : Character.toUpperCase(m.charAt(0)) + m.substring(1);
  }
}
