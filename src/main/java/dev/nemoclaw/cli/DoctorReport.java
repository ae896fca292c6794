package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.host.Finding;
import dev.nemoclaw.host.HostCapabilities;
import dev.nemoclaw.host.Status;
import dev.nemoclaw.host.Summary;

/** Renders the doctor's findings: aligned text for people, versioned JSON for scripts. */
final class DoctorReport {
  /** Bump only with a documented, incompatible change to the JSON shape (docs/doctor.md). */
  static final int JSON_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DoctorReport() {}

  static String json(HostCapabilities caps) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", JSON_VERSION);
    ObjectNode host = root.putObject("host");
    host.put("kernel", caps.host().kernel());
    host.put("arch", caps.host().arch());
    host.put("user", caps.host().user());
    host.put("root", caps.host().root());
    ArrayNode checks = root.putArray("checks");
    for (Finding f : caps.checks()) {
      ObjectNode c = checks.addObject();
      c.put("id", f.id());
      c.put("status", f.status().label());
      c.put("detail", f.detail());
      if (f.fix().isPresent()) {
        c.put("fix", f.fix().get());
      } else {
        c.putNull("fix");
      }
    }
    Summary s = caps.summary();
    ObjectNode summary = root.putObject("summary");
    summary.put("sandbox", s.sandbox().label());
    summary.put("limits", s.limits() ? "on" : "off");
    return Json.render(root);
  }

  static String text(HostCapabilities caps, boolean colour) {
    int idWidth = caps.checks().stream().mapToInt(f -> f.id().length()).max().orElse(0);
    int statusWidth = "missing".length();
    StringBuilder b = new StringBuilder();
    for (Finding f : caps.checks()) {
      String label = f.status().label();
      b.append(pad(f.id(), idWidth)).append("  ")
          .append(paint(label, f.status(), colour)).append(" ".repeat(statusWidth - label.length()))
          .append("  ").append(f.detail()).append('\n');
      f.fix().ifPresent(fix -> b.append(" ".repeat(idWidth + statusWidth + 4))
          .append("fix: ").append(fix).append('\n'));
    }
    Summary s = caps.summary();
    b.append('\n').append("sandbox: ").append(s.sandbox().label())
        .append(", resource limits: ").append(s.limits() ? "on" : "off").append('\n');
    return b.toString();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String paint(String label, Status status, boolean colour) {
    if (!colour) {
      return label;
    }
    String code = switch (status) {
      case OK -> "32";
      case WARN -> "33";
      case MISSING, ERROR -> "31";
    };
    return "\u001b[" + code + "m" + label + "\u001b[0m";
  }
}
