package dev.nemoclaw.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/** Binds the top level of agent.yaml and the sections without their own binder. */
final class SpecBinder {
  /** Variables the sandbox sets itself (CONTRACT §3); a spec may not override them. */
  static final Set<String> RESERVED_ENV = Set.of(
      "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
      "http_proxy", "https_proxy", "all_proxy", "no_proxy",
      "NODE_USE_ENV_PROXY", "JAVA_TOOL_OPTIONS", "OPENAI_BASE_URL", "OPENAI_API_KEY",
      "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY",
      "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
      "GIT_SSL_CAINFO");
  private static final java.math.BigDecimal MAX_CPUS = new java.math.BigDecimal(4096);

  private final Bind b;
  private final Presets presets;
  private final SeccompProfiles seccomp;
  private final Problems problems;

  SpecBinder(Bind b, Presets presets, SeccompProfiles seccomp, Problems problems) {
    this.b = b;
    this.presets = presets;
    this.seccomp = seccomp;
    this.problems = problems;
  }

  Optional<AgentSpec> bind(YNode root) {
    Optional<YNode.Map> top = b.map(root, "", Shape.ROOT);
    if (top.isEmpty()) {
      return Optional.empty();
    }
    YNode.Map m = top.get();
    b.require(m, "", "apiVersion", AgentSpec.API_VERSION);
    b.require(m, "", "name", "hello");
    String apiVersion = b.field(m, "", "apiVersion", SpecBinder::apiVersion).orElse("");
    String name = b.field(m, "", "name", Values::name).orElse("");
    Optional<String> org = b.field(m, "", "org", Values::name);
    Optional<String> team = b.field(m, "", "team", Values::name);
    Image image = b.field(m, "", "image", Values::image).map(i -> resolve(m, i))
        .orElse(Defaults.IMAGE);
    Backend backend = b.enumField(m, "", "backend", Backend.class).orElse(Defaults.BACKEND);
    Optional<List<String>> command = command(m, image);
    String workdir = b.field(m, "", "workdir", Values::absolutePath).orElse(Defaults.WORKDIR);
    Optional<User> user = b.field(m, "", "user", Values::user);
    Map<String, String> env = env(m);
    List<Mount> mounts = b.list(m, "", "mounts", this::mount).orElse(List.of());
    List<Tmpfs> tmpfs = b.list(m, "", "tmpfs", this::tmpfs).orElse(Defaults.TMPFS);
    checkTargets(m);
    Resources resources = resources(Bind.get(m, "resources"));
    Security security = security(Bind.get(m, "security"));
    if (user.isPresent() && user.get().uid() == 0 && !security.allowRoot()) {
      b.error(Bind.get(m, "user").orElseThrow(), "user", "uid 0 (root) is refused; set "
          + "security.allowRoot: true if the agent really needs it");
    }
    Network network = new NetworkBinder(b, presets, problems).bind(Bind.get(m, "network"));
    Inference inference = new InferenceBinder(b).bind(Bind.get(m, "inference"));
    PolicyBinder policy = new PolicyBinder(b);
    Privacy privacy = policy.privacy(Bind.get(m, "privacy"));
    List<ToolRule> tools = policy.tools(Bind.get(m, "tools"));
    List<ToolRisk> toolRisk = policy.toolRisk(Bind.get(m, "toolRisk"));
    List<McpServer> mcpServers = policy.mcpServers(Bind.get(m, "mcpServers"));
    return Optional.of(new AgentSpec(b.file.toAbsolutePath().normalize(), apiVersion, name, org,
        team, image, backend, command, workdir, user.orElse(Defaults.USER), env, mounts, tmpfs,
        resources, security, network, inference, privacy, tools, toolRisk, mcpServers));
  }

  static String apiVersion(String s) {
    if (!s.equals(AgentSpec.API_VERSION)) {
      throw new IllegalArgumentException("'" + s + "' is not supported; allowed: "
          + AgentSpec.API_VERSION);
    }
    return s;
  }

  private Image resolve(YNode.Map m, Image image) {
    YNode at = Bind.get(m, "image").orElseThrow();
    return switch (image) {
      case Image.Dir d -> {
        Path p = b.resolve(d.path().toString());
        if (!Files.isDirectory(p)) {
          b.error(at, "image", "root filesystem directory " + p + " does not exist");
        }
        yield new Image.Dir(p);
      }
      case Image.Oci o -> {
        Path p = b.resolve(o.path().toString());
        if (!Files.exists(p)) {
          b.error(at, "image", "OCI layout or archive " + p + " does not exist");
        }
        yield new Image.Oci(p);
      }
      case Image.Host h -> h;
      case Image.Docker d -> d;
    };
  }

  private Optional<List<String>> command(YNode.Map m, Image image) {
    Optional<YNode> node = Bind.get(m, "command");
    if (node.isEmpty()) {
      if (!image.definesCommand()) {
        b.error(m, "command", "required for image " + (image instanceof Image.Host ? "host"
            : "dir:") + ", e.g. command: [sh, -c, \"echo hello\"]");
      }
      return Optional.empty();
    }
    if (!(node.get() instanceof YNode.Seq)) {
      b.error(node.get(), "command", "must be a list of strings, e.g. [sh, -c, \"echo hello\"], "
          + "not " + node.get().kind());
      return Optional.empty();
    }
    Optional<List<String>> cmd = b.items(node.get(), "command", b::text);
    if (cmd.isPresent() && cmd.get().isEmpty()
        && ((YNode.Seq) node.get()).items().isEmpty()) {
      b.error(node.get(), "command", "must not be empty; leave it out to use the image's");
      return Optional.empty();
    }
    return cmd;
  }

  private Map<String, String> env(YNode.Map m) {
    Map<String, String> env = new LinkedHashMap<>();
    Bind.get(m, "env").flatMap(n -> b.anyMap(n, "env", "NAME: value")).ifPresent(em -> {
      for (YNode.Entry e : em.entries()) {
        String key = e.key().text();
        String field = Bind.path("env", key);
        Optional<String> name = b.parse(e.key(), field, key, Values::envName);
        if (name.isPresent() && (RESERVED_ENV.contains(key) || key.startsWith("NEMOCLAW_"))) {
          b.error(e.key(), field, "'" + key + "' is set by the sandbox itself and cannot be "
              + "overridden (reserved: proxy, CA and inference variables, NEMOCLAW_*)");
        }
        b.text(e.value(), field).ifPresent(v -> env.put(key, v));
      }
    });
    return env;
  }

  private Optional<Mount> mount(YNode n, String f) {
    return b.map(n, f, Shape.MOUNT).flatMap(m -> {
      b.require(m, f, "source", "./workspace");
      b.require(m, f, "target", "/sandbox");
      Optional<Path> source = b.field(m, f, "source", raw -> b.resolve(noDotDot(raw)));
      source.ifPresent(p -> mountSourceProblem(p, b.baseDir).ifPresent(problem ->
          b.error(Bind.get(m, "source").orElseThrow(), Bind.path(f, "source"), problem)));
      Optional<String> target = b.field(m, f, "target", SpecBinder::target);
      MountMode mode = b.enumField(m, f, "mode", MountMode.class).orElse(Defaults.MOUNT_MODE);
      return source.flatMap(s -> target.map(t -> new Mount(s, t, mode)));
    });
  }

  private static String noDotDot(String source) {
    if (Arrays.asList(source.split("/")).contains("..")) {
      throw new IllegalArgumentException("'" + source + "' climbs with '..'; name the directory "
          + "by a path without '..'");
    }
    return source;
  }

  /**
   * A bind source must be what it says: a symlink, or a path through one, could be swapped to
   * point anywhere on the host between this check and the mount.
   */
  private static Optional<String> mountSourceProblem(Path p, Path specDir) {
    if (Files.isSymbolicLink(p)) {
      return Optional.of(p + " is a symlink; name the real path it points to");
    }
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      // an agent that comes with a prepare.sh (examples/openclaw) makes what it mounts there
      Path prepare = specDir.resolve("prepare.sh");
      return Optional.of(p + " does not exist; " + (Files.isRegularFile(prepare)
          ? "run " + prepare + " first (it makes what this agent mounts), or fix the path"
          : "create it or fix the path (relative paths start at the agent.yaml's directory)"));
    }
    try {
      Path real = p.toRealPath();
      return real.equals(p) ? Optional.empty()
          : Optional.of(p + " goes through a symlink (it is really " + real + "); name the real "
              + "path");
    } catch (IOException e) {
      return Optional.of(p + ": " + e.getMessage());
    }
  }

  private Optional<Tmpfs> tmpfs(YNode n, String f) {
    return b.map(n, f, Shape.TMPFS).flatMap(m -> {
      b.require(m, f, "target", "/tmp");
      Optional<String> target = b.field(m, f, "target", SpecBinder::target);
      long size = b.field(m, f, "size", Values::size).orElse(Defaults.TMPFS_SIZE);
      return target.map(t -> new Tmpfs(t, size));
    });
  }

  private static String target(String s) {
    String t = Values.absolutePath(s);
    if (t.equals("/")) {
      throw new IllegalArgumentException("cannot mount over '/'; choose a directory such as "
          + "/sandbox");
    }
    return t;
  }

  /** Two mounts (bind or tmpfs) on the same target would silently hide one another. */
  private void checkTargets(YNode.Map m) {
    Map<String, YNode> seen = new HashMap<>();
    for (String key : List.of("mounts", "tmpfs")) {
      if (!(Bind.get(m, key).orElse(null) instanceof YNode.Seq seq)) {
        continue;
      }
      for (int i = 0; i < seq.items().size(); i++) {
        if (!(seq.items().get(i) instanceof YNode.Map item)) {
          continue;
        }
        Optional<YNode> t = Bind.get(item, "target");
        Optional<String> norm = t.filter(YNode.Scalar.class::isInstance)
            .map(x -> ((YNode.Scalar) x).text()).flatMap(SpecBinder::quietTarget);
        if (norm.isEmpty()) {
          continue;
        }
        YNode first = seen.putIfAbsent(norm.get(), t.get());
        if (first != null) {
          b.error(t.get(), Bind.path(Bind.index(key, i), "target"), "duplicate target "
              + norm.get() + " (first at line " + first.line() + ")");
        }
      }
    }
  }

  private static Optional<String> quietTarget(String s) {
    try {
      return Optional.of(Values.absolutePath(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Resources resources(Optional<YNode> node) {
    Optional<YNode.Map> sec = node.flatMap(n -> b.map(n, "resources", Shape.RESOURCES));
    String f = "resources";
    long memory = sec.flatMap(m -> b.field(m, f, "memory", Values::size))
        .orElse(Defaults.MEMORY);
    OptionalDouble cpus = sec.flatMap(m -> b.field(m, f, "cpus",
            s -> Values.positiveDecimal(s, MAX_CPUS).doubleValue()))
        .map(OptionalDouble::of).orElse(OptionalDouble.empty());
    int pids = sec.flatMap(m -> b.field(m, f, "pids", s -> (int) Values.integer(s, 1,
        4_194_304))).orElse(Defaults.PIDS);
    Optional<Duration> timeout = sec.flatMap(m -> b.field(m, f, "timeout", Values::duration));
    return new Resources(memory, cpus, pids, timeout);
  }

  private Security security(Optional<YNode> node) {
    Optional<YNode.Map> sec = node.flatMap(n -> b.map(n, "security", Shape.SECURITY));
    String f = "security";
    SeccompProfile profile = sec.flatMap(m -> b.field(m, f, "seccomp",
            s -> seccomp.resolve(s, b.baseDir)))
        .orElseGet(() -> defaultSeccomp());
    LandlockMode landlock = sec.flatMap(m -> b.enumField(m, f, "landlock", LandlockMode.class))
        .orElse(Defaults.LANDLOCK);
    boolean allowRoot = sec.flatMap(m -> b.field(m, f, "allowRoot", Values::bool))
        .orElse(Defaults.ALLOW_ROOT);
    return new Security(profile, landlock, allowRoot);
  }

  private SeccompProfile defaultSeccomp() {
    return seccomp.resolve(Defaults.SECCOMP, b.baseDir);
  }
}
