package dev.nemoclaw.approval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The JSON of docs/control-protocol.md for the inbox: the {@code Approval} object, the
 * {@code decide} result and error details, and the {@code approval.*} events. Times are
 * ISO-8601 UTC to the second ({@code 2026-11-23T12:00:01Z}).
 */
public final class ApprovalJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ApprovalJson() {}

  /**
   * {@code {id, sandbox, kind, host, port, binary, pid, method, path, detail, hits, createdAt,
   * expiresAt, warning, rule}}, absent values as {@code null}.
   */
  public static ObjectNode toJson(Pending p) {
    ApprovalRequest r = p.request();
    ObjectNode o = F.objectNode();
    o.put("id", p.id());
    o.put("sandbox", r.sandbox());
    o.put("kind", r.kind().wire());
    o.put("host", r.host());
    o.put("port", r.port());
    put(o, "binary", r.binary());
    if (r.pid().isPresent()) {
      o.put("pid", r.pid().getAsLong());
    } else {
      o.putNull("pid");
    }
    put(o, "method", r.method());
    put(o, "path", r.path());
    o.put("detail", r.detail());
    o.put("hits", p.hits());
    o.put("createdAt", time(p.createdAt()));
    o.put("expiresAt", time(p.expiresAt()));
    put(o, "warning", p.warning());
    o.put("rule", r.ruleText());
    return o;
  }

  /** The {@code decide} result: {@code {approval, verdict, by, channel, at}}. */
  public static ObjectNode toJson(DecideResult.Decided d) {
    return decision(F.objectNode(), d.id(), d.verdict(), d.decider());
  }

  /**
   * The details of the {@code already_decided} error: {@code {approval, verdict, by, channel,
   * at}} of the winner.
   */
  public static ObjectNode toJson(DecideResult.AlreadyDecided d) {
    return decision(F.objectNode(), d.id(), d.verdict(), d.decider());
  }

  /** An {@code approval.new}, {@code .updated}, {@code .decided} or {@code .expired} event. */
  public static ObjectNode toJson(InboxEvent e) {
    ObjectNode o = F.objectNode();
    switch (e) {
      case InboxEvent.New n -> {
        o.put("event", "approval.new");
        o.set("approval", toJson(n.item()));
      }
      case InboxEvent.Updated u -> {
        o.put("event", "approval.updated");
        o.set("approval", toJson(u.item()));
      }
      case InboxEvent.Decided d -> {
        o.put("event", "approval.decided");
        decision(o, d.item().id(), d.verdict(), d.decider());
      }
      case InboxEvent.Expired x -> {
        o.put("event", "approval.expired");
        o.put("approval", x.item().id());
      }
    }
    return o;
  }

  private static ObjectNode decision(ObjectNode o, String id, Verdict v, Decider d) {
    o.put("approval", id);
    o.put("verdict", v.wire());
    o.put("by", d.user());
    o.put("channel", d.channel());
    o.put("at", time(d.at()));
    return o;
  }

  static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static void put(ObjectNode o, String field, Optional<String> v) {
    if (v.isPresent()) {
      o.put(field, v.get());
    } else {
      o.putNull(field);
    }
  }
}
