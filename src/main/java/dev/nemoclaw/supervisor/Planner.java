package dev.nemoclaw.supervisor;

import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.image.ImageConfig;
import dev.nemoclaw.image.Progress;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.AgentSpec;
import dev.nemoclaw.spec.Backend;
import dev.nemoclaw.spec.Defaults;
import dev.nemoclaw.spec.Image;
import dev.nemoclaw.spec.LandlockMode;
import dev.nemoclaw.spec.NetworkMode;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a validated {@link AgentSpec} and the {@code run} command line into a {@link SandboxPlan}:
 * the one place where the sandbox's environment (CONTRACT §3) and root layout are decided.
 */
public final class Planner {
  public static final int PROXY_PORT = 3128;
  static final String PROXY_URL = "http://127.0.0.1:" + PROXY_PORT;
  static final String NO_PROXY = "localhost,127.0.0.1,::1";
  /** What SDKs that insist on a key get: the supervisor replaces it with the route's real one. */
  static final String PLACEHOLDER_KEY = "nemoclaw-placeholder-not-a-key";
  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** The host's system directories an {@code image: host} sandbox sees, read-only. */
  static final List<String> HOST_SYSTEM_DIRS =
      List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc");

  /** Where the sandbox sees the run's CA files: the host directory, bound read-only. */
  public static final String TLS_DIR = "/run/nemoclaw/tls";
  /** The sandbox CA alone (Node adds it to its own roots). */
  static final String CA_FILE = "ca.pem";
  /** The host's roots and the sandbox CA (a whole trust store, for OpenSSL-style clients). */
  static final String BUNDLE_FILE = "ca-bundle.pem";
  /** Name the bundle (OpenSSL, Python's requests, curl, git); Node's one names the CA. */
  static final List<String> BUNDLE_VARIABLES =
      List.of("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO");
  static final String NODE_CA_VARIABLE = "NODE_EXTRA_CA_CERTS";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * What the {@code run} command line changes: {@code --name}, {@code -- CMD}, {@code -e},
   * {@code --backend}, {@code --pull}.
   */
  public record Overrides(Optional<String> name, Optional<List<String>> command,
      Map<String, String> env, Optional<Backend> backend, boolean pull) {
    public static final Overrides NONE = new Overrides(Optional.empty(), Optional.empty(),
        Map.of());

    public Overrides(Optional<String> name, Optional<List<String>> command,
        Map<String, String> env) {
      this(name, command, env, Optional.empty(), false);
    }
  }

  /** Why a spec cannot become a plan on this host; the message says what to do. */
  public static final class PlanException extends Exception {
    private static final long serialVersionUID = 1L;

    public PlanException(String message) {
      super(message);
    }
  }

  private Planner() {}

  public static SandboxPlan plan(AgentSpec spec, Overrides o, Map<String, String> hostEnv)
      throws PlanException {
    String name = o.name().orElse(spec.name());
    if (!NAME.matcher(name).matches()) {
      throw new PlanException("--name '" + name + "' is not a valid name; allowed: "
          + "[a-z0-9][a-z0-9-]{0,62}");
    }
    refuseExposure(spec, HostDirs.guarded(hostEnv));
    ImageRoots.Resolved image = ImageRoots.resolve(spec.image(),
        o.backend().orElse(spec.backend()), o.pull(), hostEnv, Progress.toStderr());
    ImageConfig ic = image.config();
    List<String> command = o.command().filter(c -> !c.isEmpty()).or(spec::command)
        .or(ic::command)
        .orElseThrow(() -> new PlanException(spec.file() + ": no command: give `command:` in the "
            + "spec or one after `--`" + (spec.image().definesCommand()
            ? " (the image defines neither Entrypoint nor Cmd)" : "")));
    // an image's WorkingDir applies unless the spec chose one (docker run -w wins the same way)
    String workdir = spec.workdir().equals(Defaults.WORKDIR) && ic.workingDir().startsWith("/")
        ? ic.workingDir() : spec.workdir();
    return new SandboxPlan(
        name,
        name,
        command,
        environment(spec, name, o.env(), hostEnv, ic.envMap(), workdir),
        workdir,
        spec.user().uid(),
        spec.user().gid(),
        image.root(),
        spec.mounts().stream()
            .map(m -> new SandboxPlan.Mount(m.source(), m.target(), m.writable()))
            .toList(),
        spec.tmpfs().stream().map(t -> new SandboxPlan.Tmpfs(t.target(), t.sizeBytes())).toList(),
        new SandboxPlan.Resources(spec.resources().memoryBytes(), spec.resources().cpus(),
            spec.resources().pids(), spec.resources().timeout()),
        new SandboxPlan.Security(spec.security().seccomp().file(),
            landlock(spec.security().landlock()), spec.security().allowRoot()),
        new SandboxPlan.Network(spec.network().mode() == NetworkMode.PROXY
            ? SandboxPlan.NetworkMode.PROXY : SandboxPlan.NetworkMode.NONE, PROXY_PORT));
  }

  /**
   * The plan with the sandbox CA trusted inside (CONTRACT §3), for a run with TLS inspection:
   * {@code hostDir} (holding {@link #CA_FILE} and {@link #BUNDLE_FILE}) bound read-only at
   * {@link #TLS_DIR}, {@code SSL_CERT_FILE}, {@code REQUESTS_CA_BUNDLE}, {@code CURL_CA_BUNDLE}
   * and {@code GIT_SSL_CAINFO} naming the bundle and {@code NODE_EXTRA_CA_CERTS} the CA. Neither
   * the spec's {@code env} nor {@code -e} may set these names, inspection or not.
   */
  public static SandboxPlan withSandboxCa(SandboxPlan plan, Path hostDir) {
    Map<String, String> env = new LinkedHashMap<>(plan.env());
    String bundle = TLS_DIR + "/" + BUNDLE_FILE;
    for (String k : BUNDLE_VARIABLES) {
      env.put(k, bundle);
    }
    env.put(NODE_CA_VARIABLE, TLS_DIR + "/" + CA_FILE);
    List<SandboxPlan.Mount> mounts = new ArrayList<>(plan.mounts());
    mounts.add(new SandboxPlan.Mount(hostDir, TLS_DIR, false));
    return new SandboxPlan(plan.name(), plan.hostname(), plan.command(), env, plan.workdir(),
        plan.uid(), plan.gid(), plan.root(), mounts, plan.tmpfs(), plan.resources(),
        plan.security(), plan.network());
  }

  /**
   * No mount or image directory may show the sandbox nemoclaw's own directories, neither by
   * covering them (a mount of $HOME covers ~/.config/nemoclaw with the API keys) nor by lying
   * inside them (the audit logs, the policy store, a control socket the agent could approve its
   * own requests through).
   */
  static void refuseExposure(AgentSpec spec, List<Path> guarded) throws PlanException {
    List<Path> sources = new java.util.ArrayList<>();
    spec.mounts().forEach(m -> sources.add(m.source()));
    if (spec.image() instanceof Image.Dir d) {
      sources.add(d.path());
    }
    for (Path source : sources) {
      Path s = real(source);
      for (Path g : guarded) {
        Path r = real(g);
        if (r.startsWith(s) || s.startsWith(r)) {
          throw new PlanException(spec.file() + ": " + source + (r.startsWith(s)
              ? " holds " + g : " lies inside " + g) + ", nemoclaw's own directory (keys, "
              + "policy, audit, control sockets), which a sandbox must never see; mount a "
              + "narrower directory");
        }
      }
    }
  }

  /** The path with its symlinks resolved as far as it exists (guarded dirs may not exist yet). */
  private static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    for (Path at = abs; at != null; at = at.getParent()) {
      if (Files.exists(at)) {
        try {
          return at.toRealPath().resolve(at.relativize(abs));
        } catch (java.io.IOException e) {
          return abs;
        }
      }
    }
    return abs;
  }

  private static SandboxPlan.LandlockMode landlock(LandlockMode m) {
    return switch (m) {
      case REQUIRED -> SandboxPlan.LandlockMode.REQUIRED;
      case BEST_EFFORT -> SandboxPlan.LandlockMode.BEST_EFFORT;
      case OFF -> SandboxPlan.LandlockMode.OFF;
    };
  }

  /**
   * The agent's whole environment: a fixed base, the spec's plain values, {@code -e} values, then
   * what the sandbox itself sets. Nothing else of the host's environment gets in: API keys in the
   * operator's shell must never appear inside.
   */
  static Map<String, String> environment(AgentSpec spec, String name, Map<String, String> extra,
      Map<String, String> hostEnv) throws PlanException {
    return environment(spec, name, extra, hostEnv, Map.of(), spec.workdir());
  }

  /** As above, with an image's {@code Env} between the base and the spec's (the spec wins). */
  static Map<String, String> environment(AgentSpec spec, String name, Map<String, String> extra,
      Map<String, String> hostEnv, Map<String, String> imageEnv, String workdir)
      throws PlanException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", PATH);
    env.put("HOME", workdir);
    env.put("LANG", "C.UTF-8");
    Optional.ofNullable(hostEnv.get("TERM")).ifPresent(t -> env.put("TERM", t));
    env.putAll(imageEnv);
    env.putAll(spec.env());
    Map<String, String> sandbox = sandboxVariables(spec, name);
    for (Map.Entry<String, String> e : extra.entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw new PlanException("-e " + e.getKey() + "=...: not a valid variable name");
      }
      if (sandbox.containsKey(e.getKey()) || e.getKey().startsWith("NEMOCLAW_")
          || BUNDLE_VARIABLES.contains(e.getKey()) || e.getKey().equals(NODE_CA_VARIABLE)) {
        throw new PlanException("-e " + e.getKey() + ": set by the sandbox itself; it cannot be "
            + "overridden");
      }
      env.put(e.getKey(), e.getValue());
    }
    env.putAll(sandbox);
    return env;
  }

  private static Map<String, String> sandboxVariables(AgentSpec spec, String name) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("NEMOCLAW_SANDBOX", name);
    if (spec.network().mode() == NetworkMode.PROXY) {
      for (String k : List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")) {
        v.put(k, PROXY_URL);
        v.put(k.toLowerCase(java.util.Locale.ROOT), PROXY_URL);
      }
      v.put("NO_PROXY", NO_PROXY);
      v.put("no_proxy", NO_PROXY);
      v.put("NODE_USE_ENV_PROXY", "1");
      v.put("JAVA_TOOL_OPTIONS", String.join(" ", List.of(
          "-Dhttp.proxyHost=127.0.0.1", "-Dhttp.proxyPort=" + PROXY_PORT,
          "-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=" + PROXY_PORT,
          "-Dhttp.nonProxyHosts=localhost|127.0.0.1|[::1]")));
      v.put("OPENAI_BASE_URL", "http://inference.local/v1");
      v.put("OPENAI_API_KEY", PLACEHOLDER_KEY);
      v.put("ANTHROPIC_BASE_URL", "http://inference.local");
      v.put("ANTHROPIC_API_KEY", PLACEHOLDER_KEY);
    }
    return v;
  }
}
