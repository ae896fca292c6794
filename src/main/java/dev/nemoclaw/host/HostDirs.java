package dev.nemoclaw.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host-side directories of CONTRACT §6. {@code NEMOCLAW_HOME} overrides all of them (tests use
 * it); otherwise the XDG locations, and {@code /run/nemoclaw} for root's runtime dir.
 */
public record HostDirs(Path config, Path state, Path runtime) {

  public static HostDirs fromEnvironment() {
    return from(System.getenv(), System.getProperty("user.home"), isRoot());
  }

  /** The directories for {@code env} (its {@code NEMOCLAW_HOME} and XDG variables). */
  public static HostDirs fromEnvironment(Map<String, String> env) {
    return from(env, System.getProperty("user.home"), isRoot());
  }

  static HostDirs from(Map<String, String> env, String home, boolean root) {
    String nh = env.get("NEMOCLAW_HOME");
    if (nh != null && !nh.isBlank()) {
      Path base = Path.of(nh).toAbsolutePath();
      return new HostDirs(base.resolve("config"), base.resolve("state"), base.resolve("run"));
    }
    Path h = Path.of(home);
    Path config = xdg(env, "XDG_CONFIG_HOME", h.resolve(".config")).resolve("nemoclaw");
    Path state = xdg(env, "XDG_STATE_HOME", h.resolve(".local/state")).resolve("nemoclaw");
    String xdgRuntime = env.get("XDG_RUNTIME_DIR");
    Path runtime = root ? Path.of("/run/nemoclaw")
        : xdgRuntime != null && Path.of(xdgRuntime).isAbsolute()
            ? Path.of(xdgRuntime, "nemoclaw")
            : state.resolve("run");
    return new HostDirs(config, state, runtime);
  }

  /**
   * nemoclaw's own directories for this environment, which no sandbox may see: the credentials
   * file and audit key (config), policy revisions and audit logs (state), control sockets
   * (runtime). With {@code NEMOCLAW_HOME} set, the user's default ones too, since they still hold
   * the keys of other runs.
   */
  public static List<Path> guarded(Map<String, String> env) {
    String home = System.getProperty("user.home");
    boolean root = isRoot();
    Map<String, String> defaults = new HashMap<>(env);
    defaults.remove("NEMOCLAW_HOME");
    List<Path> out = new ArrayList<>();
    for (HostDirs d : List.of(from(env, home, root), from(defaults, home, root))) {
      out.addAll(List.of(d.config(), d.state(), d.runtime()));
    }
    return List.copyOf(out);
  }

  private static Path xdg(Map<String, String> env, String var, Path fallback) {
    String v = env.get(var);
    return v == null || v.isBlank() || !Path.of(v).isAbsolute() ? fallback : Path.of(v);
  }

  public static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }
}
