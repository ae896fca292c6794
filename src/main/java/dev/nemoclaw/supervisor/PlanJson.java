package dev.nemoclaw.supervisor;

import dev.nemoclaw.sandbox.SandboxPlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The stable JSON shape of a plan ({@code run --dry-run}); documented in docs/run.md. */
public final class PlanJson {
  private PlanJson() {}

  /** A JSON object whose keys keep the order given, so the output is stable. */
  static Map<String, Object> obj(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  public static Map<String, Object> of(SandboxPlan p, List<Protections.Protection> protections) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 1);
    m.put("name", p.name());
    m.put("hostname", p.hostname());
    m.put("command", p.command());
    m.put("env", p.env());
    m.put("workdir", p.workdir());
    m.put("user", obj("uid", p.uid(), "gid", p.gid()));
    m.put("root", switch (p.root()) {
      case SandboxPlan.RootFs.Host h -> obj("type", "host", "binds", h.binds());
      case SandboxPlan.RootFs.Dir d -> obj("type", "dir", "path", d.path().toString());
      case SandboxPlan.RootFs.Image i -> obj("type", "image", "reference", i.reference());
    });
    m.put("mounts", p.mounts().stream().map(x -> obj("source", x.source().toString(),
        "target", x.target(), "mode", x.writable() ? "rw" : "ro")).toList());
    m.put("tmpfs", p.tmpfs().stream().map(t -> obj("target", t.target(),
        "sizeBytes", t.sizeBytes())).toList());
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("memoryBytes", p.resources().memoryBytes());
    res.put("cpus", p.resources().cpus().isPresent() ? p.resources().cpus().getAsDouble() : null);
    res.put("pids", p.resources().pids());
    res.put("timeoutMs", p.resources().timeout().map(d -> d.toMillis()).orElse(null));
    m.put("resources", res);
    m.put("security", obj("seccompProfile", p.security().seccompProfile().toString(),
        "landlock", p.security().landlock().name().toLowerCase().replace('_', '-'),
        "allowRoot", p.security().allowRoot()));
    m.put("network", obj("mode", p.network().mode().name().toLowerCase(),
        "proxyPort", p.network().proxyPort()));
    m.put("protections", protections.stream().map(x -> obj("name", x.name(),
        "active", x.active(), "detail", x.detail())).toList());
    return m;
  }
}
