package dev.nemoclaw.policy.openshell;

import dev.nemoclaw.policy.openshell.Finding.Action;
import dev.nemoclaw.policy.openshell.ImportedSpec.Item;
import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Converts an NVIDIA OpenShell sandbox policy ({@code version: 1}, {@code filesystem_policy},
 * {@code landlock}, {@code process}, {@code network_policies}) into a nemoclaw agent.yaml, with
 * a {@link Finding} for everything that cannot be expressed exactly. The rule throughout: the
 * result never allows more than the source. Where nemoclaw cannot say what OpenShell says, the
 * import says less (stricter) or nothing (dropped), and records which.
 *
 * <p>The mapping is documented in docs/openshell-import.md.
 */
public final class OpenShellImport {
  private static final Set<String> TOP = Set.of("version", "filesystem_policy", "landlock",
      "process", "network_policies", "network_middlewares", "inference", "preset");
  private static final Set<String> FILESYSTEM = Set.of("include_workdir", "read_only",
      "read_write");
  private static final Set<String> ENDPOINT = Set.of("host", "port", "ports", "path",
      "allowed_ips", "protocol", "tls", "enforcement", "access", "rules", "deny_rules",
      "allow_encoded_slash", "credential_binding", "request_body_credential_rewrite",
      "websocket_credential_rewrite", "allow_uninspected_credentials", "credential_signing",
      "signing_service", "signing_region", "persisted_queries", "graphql_persisted_queries",
      "graphql_max_body_bytes", "mcp", "json_rpc");
  private static final Set<String> CREDENTIALS = Set.of("credential_binding",
      "request_body_credential_rewrite", "websocket_credential_rewrite",
      "allow_uninspected_credentials", "credential_signing", "signing_service",
      "signing_region");
  private static final Set<String> PROTOCOLS = Set.of("rest", "tcp", "websocket", "graphql",
      "mcp", "json-rpc");
  private static final List<String> HTTP_METHODS = List.of("GET", "HEAD", "POST", "PUT",
      "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
  private static final List<String> READ_ONLY = List.of("GET", "HEAD", "OPTIONS");
  private static final List<String> READ_WRITE =
      List.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH");
  /** What {@code image: host} shows read-only, whatever the policy lists. */
  private static final List<String> HOST_IMAGE = List.of("/usr", "/lib", "/lib32", "/lib64",
      "/libx32", "/bin", "/sbin", "/etc");
  /** What every sandbox has: /proc and the minimal /dev (docs/agent-yaml.md, the sandbox init). */
  private static final Set<String> SANDBOX_PROVIDES = Set.of("/proc", "/dev/null", "/dev/zero",
      "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/shm", "/dev/pts");
  private static final Pattern NUMERIC_ID = Pattern.compile("[0-9]{1,10}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final String DEFAULT_ID = "1000";

  private final String file;
  private final List<Problem> problems = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();
  private final List<Item<AllowRule>> allow = new ArrayList<>();
  private final List<Item<DenyRule>> deny = new ArrayList<>();

  private OpenShellImport(String file) {
    this.file = file;
  }

  /**
   * Reads and converts {@code file}. {@code name} is the agent's name; without it the policy's
   * {@code preset.name} (NemoClaw preset files) or the file name is used.
   *
   * @throws ImportException the file is not an OpenShell policy or not a valid one
   */
  public static ImportedSpec read(Path file, Optional<String> name) throws ImportException {
    String label = file.toString();
    String text;
    try {
      if (Files.size(file) > PolicyReader.MAX_CHARS) {
        throw fail(label, "the file is larger than OpenShell's 4 MiB limit for a policy");
      }
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (NoSuchFileException e) {
      throw fail(label, "no such file");
    } catch (CharacterCodingException e) {
      throw fail(label, "not valid UTF-8");
    } catch (IOException e) {
      throw fail(label, "cannot read: " + e.getMessage());
    }
    String fallback = file.getFileName() == null ? "imported" : file.getFileName().toString();
    return convert(label, text, name, fallback);
  }

  private static ImportException fail(String file, String message) {
    return new ImportException(List.of(new Problem(file, 0, 0, "", message)));
  }

  /** Converts {@code text}; {@code file} names it in findings and errors. */
  public static ImportedSpec convert(String file, String text, Optional<String> name)
      throws ImportException {
    return convert(file, text, name, file);
  }

  private static ImportedSpec convert(String file, String text, Optional<String> name,
      String fallbackName) throws ImportException {
    OpenShellImport i = new OpenShellImport(file);
    Optional<Node> root = new PolicyReader(file, i.problems).parse(text);
    if (root.isEmpty() || !i.problems.isEmpty()) {
      throw new ImportException(i.problems);
    }
    ImportedSpec spec = i.document(root.get(), name, fallbackName);
    if (!i.problems.isEmpty()) {
      throw new ImportException(i.problems);
    }
    return spec;
  }

  // ---------------------------------------------------------------------------------------------
  // the document

  private ImportedSpec document(Node root, Optional<String> name, String fallbackName) {
    if (!(root instanceof Node.Map top)) {
      error(root, "not an OpenShell policy: expected a mapping with version: 1, filesystem_policy,"
          + " network_policies, ..., not " + root.kind());
      return null;
    }
    Optional<Node.Map> preset = top.get("preset").flatMap(n -> map(n));
    Optional<Node> version = top.get("version");
    if (version.isEmpty()) {
      if (preset.isEmpty()) {
        error(top, "not an OpenShell policy: no 'version' key (OpenShell policies start with"
            + " version: 1)");
        return null;
      }
    } else if (!(version.get() instanceof Node.Scalar v) || !v.text().equals("1")) {
      error(version.get(), "version must be 1 (the only OpenShell policy schema version)");
      return null;
    }
    for (Node.Entry e : top.entries()) {
      if (!TOP.contains(e.key())) {
        note(e, e.value().path(), "unknown key '" + e.key() + "' (not in OpenShell's policy"
            + " schema as known to this import); not converted", Action.dropped);
      }
    }
    Optional<String> presetName = preset.flatMap(p -> p.get("name")).flatMap(this::text);
    Optional<String> description = preset.flatMap(p -> p.get("description")).flatMap(this::text);
    String agentName = name.or(() -> presetName.map(OpenShellImport::agentName))
        .orElseGet(() -> agentName(fallbackName));

    Optional<List<Item<String>>> tmpfs = top.get("filesystem_policy")
        .flatMap(n -> filesystem(n));
    if (top.get("filesystem_policy").isEmpty()) {
      findings.add(new Finding(top.line(), "filesystem_policy", "absent: OpenShell then makes"
          + " only its working directory writable; nemoclaw's defaults apply instead (host"
          + " system directories read-only, /tmp a tmpfs, the workdir read-only)",
          Action.approximated));
    }
    Optional<String> landlock = top.get("landlock").flatMap(this::landlock);
    Optional<String> user = top.get("process").flatMap(this::process);
    top.get("network_policies").ifPresent(this::networkPolicies);
    top.get("network_middlewares").ifPresent(n -> findings.add(new Finding(n.line(), n.path(),
        "network middleware is not converted; nemoclaw's `privacy` section screens request"
            + " bodies (docs/privacy.md)", Action.dropped)));
    top.get("inference").ifPresent(this::inference);
    findings.sort(java.util.Comparator.comparingInt(Finding::line));
    return new ImportedSpec(file, agentName, description, user, landlock, tmpfs, allow, deny,
        findings);
  }

  /** A valid agent name from a file or preset name: lower-case, [a-z0-9-], at most 63. */
  static String agentName(String raw) {
    String s = raw;
    int slash = s.lastIndexOf('/');
    s = s.substring(slash + 1);
    if (s.endsWith(".yaml") || s.endsWith(".yml")) {
      s = s.substring(0, s.lastIndexOf('.'));
    }
    s = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (s.length() > 63) {
      s = s.substring(0, 63).replaceAll("-+$", "");
    }
    return NAME.matcher(s).matches() ? s : "imported";
  }

  // ---------------------------------------------------------------------------------------------
  // filesystem, landlock, process

  private Optional<List<Item<String>>> filesystem(Node n) {
    Optional<Node.Map> m = map(n);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    for (Node.Entry e : m.get().entries()) {
      if (!FILESYSTEM.contains(e.key())) {
        note(e, e.value().path(), "unknown key '" + e.key() + "'; not converted (nemoclaw"
            + " shows only the image's system directories and the tmpfs below)", Action.dropped);
      }
    }
    boolean includeWorkdir = m.get().get("include_workdir").map(this::bool).orElse(false);
    List<Item<String>> readOnly = paths(m.get(), "read_only");
    List<Item<String>> readWrite = paths(m.get(), "read_write");
    List<Item<String>> tmpfs = new ArrayList<>();
    Set<String> targets = new LinkedHashSet<>();
    if (includeWorkdir) {
      Node w = m.get().get("include_workdir").orElseThrow();
      targets.add("/sandbox");
      tmpfs.add(new Item<>("/sandbox", w.line(), w.path()));
      findings.add(new Finding(w.line(), w.path(), "the working directory (/sandbox) becomes a"
          + " writable tmpfs, empty at start and gone at exit; to keep its files, mount a host"
          + " directory instead: mounts: [{source: ./workspace, target: /sandbox, mode: rw}]",
          Action.approximated));
    }
    for (Item<String> p : readWrite) {
      String path = p.value();
      if (provided(path)) {
        continue;
      }
      if (path.equals("/")) {
        error(p, "read_write must not contain / (OpenShell refuses it too)");
        continue;
      }
      if (underHostImage(path)) {
        findings.add(new Finding(p.line(), p.path(), path + " is part of the host image, which"
            + " nemoclaw keeps read-only; it stays read-only", Action.stricter));
        continue;
      }
      if (!targets.add(path)) {
        continue;
      }
      tmpfs.add(p);
      if (!path.equals("/tmp")) {
        findings.add(new Finding(p.line(), p.path(), path + " becomes a writable tmpfs, empty at"
            + " start and gone at exit (OpenShell's path refers to the image's files); to keep"
            + " them, mount a host directory: mounts: [{source: ..., target: " + path
            + ", mode: rw}]", Action.approximated));
      }
    }
    for (Item<String> p : readOnly) {
      String path = p.value();
      if (provided(path) || underHostImage(path)) {
        continue;
      }
      Optional<String> inside = targets.stream().filter(t -> covers(t, path)).findFirst();
      if (inside.isPresent()) {
        findings.add(new Finding(p.line(), p.path(), path + " lies inside the writable tmpfs "
            + inside.get() + ", which starts empty: the agent can create it but nothing from"
            + " outside is there to read or change", Action.approximated));
        continue;
      }
      findings.add(new Finding(p.line(), p.path(), path + " does not exist in a nemoclaw"
          + " sandbox (image: host shows only /usr, /lib*, /bin, /sbin and /etc), so it is not"
          + " readable; mount a host directory with mode: ro if the agent needs it",
          Action.stricter));
    }
    List<String> missing = HOST_IMAGE.stream()
        .filter(h -> !h.startsWith("/lib") || h.equals("/lib"))
        .filter(h -> readOnly.stream().noneMatch(p -> covers(p.value(), h))
            && readWrite.stream().noneMatch(p -> covers(p.value(), h)))
        .toList();
    if (!missing.isEmpty()) {
      findings.add(new Finding(m.get().line(), m.get().path(), "image: host always shows the"
          + " host's " + String.join(", ", missing) + " read-only, which this policy does not"
          + " list (OpenShell's paths are the image's, not the host's)", Action.approximated));
    }
    return Optional.of(tmpfs);
  }

  /** Whether the directory {@code parent} is {@code path} or holds it. */
  private static boolean covers(String parent, String path) {
    return path.equals(parent) || parent.equals("/") || path.startsWith(parent + "/");
  }

  private static boolean provided(String path) {
    return SANDBOX_PROVIDES.contains(path) || path.startsWith("/proc/");
  }

  private static boolean underHostImage(String path) {
    return HOST_IMAGE.stream().anyMatch(h -> path.equals(h) || path.startsWith(h + "/"));
  }

  private List<Item<String>> paths(Node.Map m, String key) {
    List<Item<String>> out = new ArrayList<>();
    m.get(key).flatMap(this::seq).ifPresent(s -> {
      for (Node item : s.items()) {
        text(item).ifPresent(t -> {
          if (!t.startsWith("/")) {
            error(item, "'" + t + "' is not an absolute path");
            return;
          }
          List<String> parts = java.util.Arrays.stream(t.split("/")).filter(x -> !x.isEmpty())
              .toList();
          if (parts.contains("..") || parts.contains(".")) {
            error(item, "'" + t + "' must not contain '.' or '..' segments");
            return;
          }
          out.add(new Item<>("/" + String.join("/", parts), item.line(), item.path()));
        });
      }
    });
    return out;
  }

  private Optional<String> landlock(Node n) {
    return map(n).flatMap(m -> {
      for (Node.Entry e : m.entries()) {
        if (!e.key().equals("compatibility")) {
          note(e, e.value().path(), "unknown key '" + e.key() + "'; not converted",
              Action.dropped);
        }
      }
      return m.get("compatibility").flatMap(c -> text(c).flatMap(t -> switch (t) {
        case "best_effort" -> Optional.of("best-effort");
        case "hard_requirement" -> Optional.of("required");
        default -> {
          error(c, "'" + t + "' is not a Landlock compatibility; allowed: best_effort,"
              + " hard_requirement");
          yield Optional.empty();
        }
      }));
    });
  }

  private Optional<String> process(Node n) {
    Optional<Node.Map> m = map(n);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    for (Node.Entry e : m.get().entries()) {
      if (!e.key().equals("run_as_user") && !e.key().equals("run_as_group")) {
        note(e, e.value().path(), "unknown key '" + e.key() + "'; not converted",
            Action.dropped);
      }
    }
    Optional<String> uid = m.get().get("run_as_user").flatMap(this::id);
    Optional<String> gid = m.get().get("run_as_group").flatMap(this::id);
    if (uid.isEmpty() && gid.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(uid.orElse(DEFAULT_ID) + ":" + gid.orElse(DEFAULT_ID));
  }

  /** A numeric id, or the default for {@code sandbox} and other names (with a finding). */
  private Optional<String> id(Node n) {
    Optional<String> t = text(n);
    if (t.isEmpty()) {
      return Optional.empty();
    }
    String v = t.get();
    if (v.equals("root") || v.equals("0")) {
      error(n, "'" + v + "': OpenShell refuses to run the workload as root, and so does this"
          + " import");
      return Optional.empty();
    }
    if (NUMERIC_ID.matcher(v).matches()) {
      long id = Long.parseLong(v);
      if (id < 1 || id > 4294967294L || id > Integer.MAX_VALUE) {
        error(n, "'" + v + "' is not a usable id; allowed: 1.." + Integer.MAX_VALUE);
        return Optional.empty();
      }
      return Optional.of(v);
    }
    findings.add(new Finding(n.line(), n.path(), "'" + v + "' is a name; nemoclaw takes numeric"
        + " ids, so its default " + DEFAULT_ID + " is used (an unprivileged id, as OpenShell's "
        + "sandbox user is)", Action.approximated));
    return Optional.of(DEFAULT_ID);
  }

  private void inference(Node n) {
    String routes = map(n).flatMap(m -> m.get("allowed_routes")).flatMap(this::seq)
        .map(s -> s.items().stream().map(this::text).flatMap(Optional::stream).toList())
        .map(l -> " (allowed_routes: " + String.join(", ", l) + ")").orElse("");
    findings.add(new Finding(n.line(), n.path(), "inference routing hints" + routes + " name"
        + " routes of an OpenShell gateway; nemoclaw's inference.local needs routes with a"
        + " provider, model and apiKeyEnv: add an `inference` section by hand (docs/inference.md)",
        Action.dropped));
  }

  // ---------------------------------------------------------------------------------------------
  // network

  private void networkPolicies(Node n) {
    Optional<Node.Map> m = map(n);
    if (m.isEmpty()) {
      return;
    }
    boolean anyBinaries = false;
    for (Node.Entry e : m.get().entries()) {
      anyBinaries |= policy(e);
    }
    if (anyBinaries) {
      findings.add(new Finding(m.get().line(), m.get().path(), "OpenShell lets the children of a"
          + " listed binary use its rules too; nemoclaw matches only the executable that holds"
          + " the connection, so tools an agent starts need their own entry in `binaries`",
          Action.stricter));
    }
  }

  /** One named policy; true when it produced rules restricted to binaries. */
  private boolean policy(Node.Entry entry) {
    Optional<Node.Map> pm = map(entry.value());
    if (pm.isEmpty()) {
      return false;
    }
    Node.Map p = pm.get();
    for (Node.Entry e : p.entries()) {
      if (!Set.of("name", "endpoints", "binaries").contains(e.key())) {
        note(e, e.value().path(), "unknown key '" + e.key() + "' in a network policy; the whole"
            + " policy '" + entry.key() + "' is dropped rather than converted without it",
            Action.dropped);
        return false;
      }
    }
    p.get("name").ifPresent(this::text);
    List<String> binaries = new ArrayList<>();
    boolean hadBinaries = false;
    Optional<Node.Seq> bins = p.get("binaries").flatMap(this::seq);
    if (bins.isPresent()) {
      for (Node b : bins.get().items()) {
        Optional<String> path = binaryPath(b);
        if (path.isEmpty()) {
          continue;
        }
        hadBinaries = true;
        String v = path.get();
        if (v.contains("*") || v.contains("?") || v.contains("[")) {
          findings.add(new Finding(b.line(), b.path(), "binary glob '" + v + "': nemoclaw"
              + " matches executables by exact path only; dropped (list the executables)",
              Action.dropped));
          continue;
        }
        if (!binaries.contains(v)) {
          binaries.add(v);
        }
      }
    }
    Optional<Node.Seq> endpoints = p.get("endpoints").flatMap(this::seq);
    if (endpoints.isEmpty() || endpoints.get().items().isEmpty()) {
      findings.add(new Finding(p.line(), p.path(), "no endpoints: the policy allows nothing;"
          + " nothing converted", Action.dropped));
      return false;
    }
    if (binaries.isEmpty()) {
      String why = hadBinaries ? "none of its binaries can be expressed" : "it lists no"
          + " binaries, and OpenShell lets no executable use such a policy";
      findings.add(new Finding(p.line(), p.path(), "nothing converted: " + why, Action.dropped));
      // still check the endpoints, so that a broken one is an error either way
      for (Node ep : endpoints.get().items()) {
        endpoint(ep, List.of(), false);
      }
      return false;
    }
    for (Node ep : endpoints.get().items()) {
      endpoint(ep, binaries, true);
    }
    return true;
  }

  private Optional<String> binaryPath(Node b) {
    Optional<String> path;
    if (b instanceof Node.Map bm) {
      for (Node.Entry e : bm.entries()) {
        if (!e.key().equals("path")) {
          error(e, b.path() + "." + e.key(), "unknown key '" + e.key() + "' in a binary;"
              + " allowed: path");
        }
      }
      Optional<Node> pn = bm.get("path");
      if (pn.isEmpty()) {
        error(b, "a binary needs 'path', e.g. {path: /usr/bin/curl}");
        return Optional.empty();
      }
      path = text(pn.get());
      if (path.isPresent() && !path.get().startsWith("/")) {
        error(pn.get(), "'" + path.get() + "' is not an absolute path");
        return Optional.empty();
      }
      return path;
    }
    error(b, "a binary is a mapping {path: /usr/bin/curl}, not " + b.kind());
    return Optional.empty();
  }

  /** The L7 allowances of an endpoint: empty = every method and path. */
  private record Allowance(List<String> methods, List<String> paths, int line, String path) {}

  private void endpoint(Node n, List<String> binaries, boolean emit) {
    Optional<Node.Map> em = map(n);
    if (em.isEmpty()) {
      return;
    }
    Node.Map ep = em.get();
    int problemsBefore = problems.size();
    List<Finding> local = new ArrayList<>();
    for (Node.Entry e : ep.entries()) {
      if (!ENDPOINT.contains(e.key())) {
        local.add(new Finding(e.line(), e.value().path(), "unknown key '" + e.key() + "' in an"
            + " endpoint; the endpoint is dropped rather than converted without it",
            Action.dropped));
      }
    }
    // destination
    Optional<String> host = ep.get("host").flatMap(this::text);
    Optional<Node.Seq> allowedIps = ep.get("allowed_ips").flatMap(this::seq);
    if (host.isEmpty() && allowedIps.isEmpty() && ep.get("host").isEmpty()) {
      error(ep, "an endpoint needs 'host' (or 'allowed_ips')");
    }
    List<Integer> ports = ports(ep);
    String protocol = ep.get("protocol").flatMap(this::text).map(v -> {
      if (!PROTOCOLS.contains(v)) {
        error(ep.get("protocol").get(), "'" + v + "' is not a protocol; allowed: rest, tcp,"
            + " websocket, graphql, mcp, json-rpc");
      }
      return v;
    }).orElse("");
    String tls = ep.get("tls").flatMap(this::text).map(v -> {
      if (!Set.of("terminate", "passthrough", "skip").contains(v)) {
        error(ep.get("tls").get(), "'" + v + "' is not a tls mode; allowed: terminate,"
            + " passthrough, skip");
      }
      return v;
    }).orElse("");
    String enforcement = ep.get("enforcement").flatMap(this::text).map(v -> {
      if (!Set.of("enforce", "audit").contains(v)) {
        error(ep.get("enforcement").get(), "'" + v + "' is not an enforcement; allowed:"
            + " enforce, audit");
      }
      return v;
    }).orElse("");
    Optional<Node> access = ep.get("access");
    Optional<Node> rules = ep.get("rules");
    Optional<Node> denyRules = ep.get("deny_rules");
    if (access.isPresent() && rules.isPresent()) {
      error(rules.get(), "an endpoint cannot have both 'access' and 'rules' (OpenShell refuses"
          + " it too)");
    }
    if (protocol.equals("tcp") && (access.isPresent() || rules.isPresent()
        || denyRules.isPresent())) {
      error(ep.get("protocol").get(), "protocol: tcp takes no request rules (access, rules,"
          + " deny_rules)");
    }
    if (protocol.equals("rest") && access.isEmpty() && rules.isEmpty()) {
      error(ep.get("protocol").get(), "a rest endpoint needs 'access' or 'rules'");
    }
    boolean http = protocol.isEmpty() || protocol.equals("rest");
    // request rules: parsed (and checked) whatever the protocol
    Optional<List<Allowance>> allowances = Optional.of(List.of());
    if (access.isPresent()) {
      allowances = text(access.get()).flatMap(a -> switch (a) {
        case "full" -> Optional.of(List.<Allowance>of());
        case "read-only" -> Optional.of(List.of(new Allowance(READ_ONLY, List.of(),
            access.get().line(), access.get().path())));
        case "read-write" -> Optional.of(List.of(new Allowance(READ_WRITE, List.of(),
            access.get().line(), access.get().path())));
        default -> {
          error(access.get(), "'" + a + "' is not an access preset; allowed: read-only,"
              + " read-write, full");
          yield Optional.empty();
        }
      });
    } else if (rules.isPresent() && http) {
      allowances = allowRules(rules.get(), local);
    }
    List<DenySpec> denies = denyRules.filter(d -> http).map(d -> denyRules(d, local))
        .orElse(List.of());
    if (problems.size() > problemsBefore || !emit) {
      return;
    }
    if (local.stream().anyMatch(f -> f.action() == Action.dropped
        && f.message().contains("the endpoint is dropped"))) {
      findings.addAll(local);
      return;
    }
    // what cannot be expressed at all: drop the endpoint (stricter than converting part of it)
    Optional<String> dropWhy = Optional.empty();
    if (ep.get("path").isPresent()) {
      dropWhy = Optional.of("'path' selects among inspected endpoints of a host; nemoclaw has"
          + " no equivalent");
    } else if (!http && !protocol.equals("tcp")) {
      boolean full = access.flatMap(this::text).filter("full"::equals).isPresent();
      if (!full || denyRules.isPresent()) {
        dropWhy = Optional.of("protocol: " + protocol + " request rules (" + (protocol.equals("mcp")
            ? "MCP methods and tools; nemoclaw's `tools` rules govern MCP tools/call"
            : protocol.equals("websocket") ? "WebSocket messages" : protocol.equals("graphql")
            ? "GraphQL operations" : "JSON-RPC methods") + ") cannot be expressed");
      }
    }
    if (host.isPresent() && allowedIps.isPresent()) {
      dropWhy = Optional.of("allowed_ips pins the addresses " + host.get() + " may resolve to;"
          + " nemoclaw cannot pin a name's addresses (its proxy refuses private addresses for"
          + " names)");
    }
    if (dropWhy.isPresent()) {
      findings.addAll(local);
      findings.add(new Finding(ep.line(), ep.path(), dropWhy.get() + "; the endpoint is dropped",
          Action.dropped));
      return;
    }
    // hosts
    List<HostPattern> hosts = new ArrayList<>();
    if (host.isPresent()) {
      hostPattern(host.get(), ep.get("host").get(), local).ifPresent(hosts::add);
    } else if (allowedIps.isPresent()) {
      for (Node ip : allowedIps.get().items()) {
        text(ip).flatMap(t -> address(t, ip, local)).ifPresent(hosts::add);
      }
    }
    if (allowances.isEmpty() || hosts.isEmpty()) {
      findings.addAll(local);
      if (hosts.isEmpty() && local.stream().noneMatch(f -> f.path().startsWith(ep.path()))) {
        findings.add(new Finding(ep.line(), ep.path(), "nothing converted", Action.dropped));
      }
      return;
    }
    // L7 and TLS
    List<Allowance> l7 = allowances.get();
    boolean restricted = !l7.isEmpty() && l7.stream()
        .noneMatch(a -> a.methods().isEmpty() && a.paths().isEmpty());
    if (!restricted) {
      l7 = List.of();
    }
    // OpenShell reads requests whenever it has request rules (and by default terminates TLS)
    boolean needsInspection = restricted || !denies.isEmpty();
    boolean opaque = tls.equals("passthrough") || tls.equals("skip");
    boolean inspect = needsInspection ? !opaque : tls.equals("terminate") && http;
    Node at = ep.get("tls").orElse(ep);
    if (needsInspection && opaque) {
      local.add(new Finding(at.line(), at.path(), "tls: " + tls + " with request rules:"
          + " nemoclaw checks methods and paths only inside inspected TLS, so without"
          + " inspection these rules let no HTTPS tunnel through (plain HTTP still works)",
          Action.stricter));
    }
    if (restricted && protocol.isEmpty()) {
      Node a = access.or(() -> rules).orElse(ep);
      local.add(new Finding(a.line(), a.path(), "without protocol: rest, OpenShell does not"
          + " apply access/rules; nemoclaw applies them", Action.stricter));
    }
    if ((restricted || !denies.isEmpty()) && !enforcement.equals("enforce")) {
      Node en = ep.get("enforcement").orElse(ep);
      local.add(new Finding(en.line(), en.path(), (enforcement.isEmpty()
          ? "no enforcement (OpenShell's default is audit: log, then allow)"
          : "enforcement: audit (OpenShell logs requests that break the rules and lets them"
              + " through)") + "; nemoclaw enforces the rules", Action.stricter));
    }
    if (ep.get("allow_encoded_slash").flatMap(this::text).filter("true"::equals).isPresent()) {
      Node s = ep.get("allow_encoded_slash").get();
      local.add(new Finding(s.line(), s.path(), "nemoclaw refuses %2F in a path that a `paths`"
          + " rule must cover", restricted ? Action.stricter : Action.approximated));
    }
    for (Node.Entry e : ep.entries()) {
      if (CREDENTIALS.contains(e.key())) {
        local.add(new Finding(e.line(), e.value().path(), "credential injection is not"
            + " converted: nemoclaw never hands secrets to egress (only inference.local holds"
            + " keys)", Action.dropped));
      }
    }
    if (!http && !protocol.equals("tcp")) {
      local.add(new Finding(ep.get("protocol").get().line(), ep.get("protocol").get().path(),
          "protocol: " + protocol + " with access: full allows every request; nemoclaw does not"
              + " inspect " + protocol + " and allows the connection", Action.approximated));
    }
    findings.addAll(local);
    int line = ep.line();
    for (HostPattern h : hosts) {
      if (l7.isEmpty()) {
        allow.add(new Item<>(new AllowRule(h, ports, List.of(), List.of(), binaries, inspect),
            line, ep.path()));
      } else {
        for (Allowance a : l7) {
          allow.add(new Item<>(new AllowRule(h, ports, a.methods(), a.paths(), binaries,
              inspect), line, ep.path()));
        }
      }
      for (DenySpec d : denies) {
        deny.add(new Item<>(new DenyRule(h, ports, d.methods(), d.paths(), List.of()), d.line(),
            d.path()));
      }
    }
  }

  private List<Integer> ports(Node.Map ep) {
    Optional<Node> port = ep.get("port");
    Optional<Node> ports = ep.get("ports");
    if (port.isPresent() && ports.isPresent()) {
      error(ports.get(), "set 'port' or 'ports', not both");
      return List.of();
    }
    if (port.isEmpty() && ports.isEmpty()) {
      error(ep, "an endpoint needs 'port' (or 'ports')");
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    if (port.isPresent()) {
      port(port.get()).ifPresent(out::add);
    } else {
      seq(ports.get()).ifPresent(s -> s.items().forEach(i -> port(i).ifPresent(p -> {
        if (!out.contains(p)) {
          out.add(p);
        }
      })));
      if (out.isEmpty() && ports.get() instanceof Node.Seq s && s.items().isEmpty()) {
        error(ports.get(), "ports must not be empty");
      }
    }
    return out;
  }

  private Optional<Integer> port(Node n) {
    return text(n).flatMap(t -> {
      try {
        int p = Integer.parseInt(t);
        if (p >= 1 && p <= 65535) {
          return Optional.of(p);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      error(n, "'" + t + "' is not a port; allowed: 1..65535");
      return Optional.empty();
    });
  }

  /**
   * OpenShell's host patterns: {@code *} within one label, {@code **} as the whole first label
   * for one or more labels. Only an exact name, an address and {@code **.suffix} (nemoclaw's
   * {@code *.suffix}) have an exact counterpart.
   */
  private Optional<HostPattern> hostPattern(String raw, Node at, List<Finding> local) {
    String h = raw.toLowerCase(Locale.ROOT);
    if (h.startsWith("**.") && !h.substring(3).contains("*")) {
      return parseHost("*." + h.substring(3), at, local);
    }
    if (h.startsWith("*.") && !h.substring(2).contains("*")) {
      local.add(new Finding(at.line(), at.path(), "'" + raw + "': OpenShell's * covers one"
          + " label (a.example.com), nemoclaw's *.suffix any depth (a.b.example.com too), which"
          + " would allow more; dropped. If deeper names are meant, write {host: \"" + h
          + "\"} into network.allow yourself", Action.dropped));
      return Optional.empty();
    }
    if (h.contains("*")) {
      local.add(new Finding(at.line(), at.path(), "'" + raw + "': a wildcard inside a label or"
          + " after the first label cannot be expressed (nemoclaw has exact names and"
          + " *.suffix); dropped", Action.dropped));
      return Optional.empty();
    }
    return parseHost(h, at, local);
  }

  private Optional<HostPattern> parseHost(String h, Node at, List<Finding> local) {
    try {
      return Optional.of(HostPattern.parse(h));
    } catch (IllegalArgumentException e) {
      local.add(new Finding(at.line(), at.path(), "host not expressible in nemoclaw: "
          + e.getMessage() + "; dropped", Action.dropped));
      return Optional.empty();
    }
  }

  /** An allowed_ips entry as a host: an address or CIDR, never loopback, link-local, 0/8. */
  private Optional<HostPattern> address(String t, Node at, List<Finding> local) {
    Optional<HostPattern> p = parseHost(t, at, local);
    if (p.isPresent() && p.get() instanceof HostPattern.Name) {
      local.add(new Finding(at.line(), at.path(), "'" + t + "' is not an address or CIDR;"
          + " dropped", Action.dropped));
      return Optional.empty();
    }
    String s = p.map(HostPattern::text).orElse("");
    if (s.startsWith("127.") || s.startsWith("169.254.") || s.startsWith("0.")
        || s.equals("::1") || s.startsWith("fe80:") || s.startsWith("::/") || s.equals("::")
        || s.matches("[0-9.]+/[0-7]") || s.matches("(::|[0-9a-f:]+)/[0-9]")) {
      local.add(new Finding(at.line(), at.path(), "'" + t + "' covers loopback, link-local or"
          + " unspecified addresses, which OpenShell never allows; dropped", Action.dropped));
      return Optional.empty();
    }
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // REST rules

  /** The allow rules as (methods, paths) groups, or empty when one cannot be read. */
  private Optional<List<Allowance>> allowRules(Node n, List<Finding> local) {
    Optional<Node.Seq> s = seq(n);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    // group by path, keeping file order: {GET /a, POST /a} becomes one rule
    LinkedHashMap<String, Allowance> byPath = new LinkedHashMap<>();
    boolean any = false;
    for (Node item : s.get().items()) {
      Optional<Node.Map> rm = map(item);
      if (rm.isEmpty()) {
        continue;
      }
      for (Node.Entry e : rm.get().entries()) {
        if (!e.key().equals("allow")) {
          error(e, item.path() + "." + e.key(), "unknown key '" + e.key() + "' in a rule;"
              + " allowed: allow (deny rules go in deny_rules)");
        }
      }
      Optional<Node.Map> am = rm.get().get("allow").flatMap(this::map);
      if (rm.get().get("allow").isEmpty()) {
        error(item, "a rule needs 'allow', e.g. - allow: {method: GET, path: \"/**\"}");
        continue;
      }
      if (am.isEmpty()) {
        continue;
      }
      Node.Map a = am.get();
      Optional<String> method = a.get("method").flatMap(this::text);
      Optional<String> path = a.get("path").flatMap(this::text);
      if (a.get("method").isEmpty() || a.get("path").isEmpty()) {
        error(a, "a REST allow rule needs 'method' and 'path'");
        continue;
      }
      if (method.isEmpty() || path.isEmpty()) {
        continue;
      }
      boolean skip = false;
      for (Node.Entry e : a.entries()) {
        if (e.key().equals("query")) {
          local.add(new Finding(e.line(), e.value().path(), "query matchers cannot be"
              + " expressed; this allow rule is dropped rather than allowed for every query",
              Action.dropped));
          skip = true;
        } else if (!e.key().equals("method") && !e.key().equals("path")) {
          local.add(new Finding(e.line(), e.value().path(), "unknown key '" + e.key()
              + "' in a REST allow rule; the rule is dropped", Action.dropped));
          skip = true;
        }
      }
      String m = method.get().toUpperCase(Locale.ROOT);
      if (!m.equals("*") && !HTTP_METHODS.contains(m)) {
        local.add(new Finding(a.get("method").get().line(), a.get("method").get().path(),
            "method '" + method.get() + "' cannot be expressed (allowed: "
                + String.join(", ", HTTP_METHODS) + "); the rule is dropped", Action.dropped));
        skip = true;
      }
      Optional<String> glob = allowPath(path.get(), a.get("path").get(), local);
      if (skip || glob.isEmpty()) {
        continue;
      }
      String key = glob.get();
      Allowance prev = byPath.get(key);
      List<String> methods = new ArrayList<>(prev == null ? List.of() : prev.methods());
      boolean anyMethod = m.equals("*") || (prev != null && prev.methods().isEmpty());
      if (!anyMethod && !methods.contains(m)) {
        methods.add(m);
      }
      byPath.put(key, new Allowance(anyMethod ? List.of() : methods,
          key.isEmpty() ? List.of() : List.of(key), prev == null ? item.line() : prev.line(),
          prev == null ? item.path() : prev.path()));
      any = true;
    }
    if (!any) {
      // every rule dropped: the endpoint allows no request. Say so once, keep nothing.
      local.add(new Finding(n.line(), n.path(), "no allow rule could be converted, so the"
          + " endpoint allows nothing; dropped", Action.dropped));
      return Optional.empty();
    }
    return Optional.of(List.copyOf(byPath.values()));
  }

  /**
   * An OpenShell path glob as a nemoclaw {@code paths} glob that covers no more: {@code ""} for
   * every path. OpenShell's whole-segment {@code **} needs at least one segment ({@code /a/**}
   * does not cover {@code /a}); nemoclaw's {@code /a/**} also covers {@code /a}, so it becomes
   * {@code /a/* /**} (one segment, then any). A {@code **} inside a segment is OpenShell's
   * {@code *}. {@code ?} and {@code [..]} have no counterpart: the rule is dropped.
   */
  private Optional<String> allowPath(String raw, Node at, List<Finding> local) {
    if (raw.equals("**") || raw.equals("/**")) {
      return Optional.of("");
    }
    if (!raw.startsWith("/") || raw.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      local.add(new Finding(at.line(), at.path(), "path '" + raw + "' is not a URL path glob"
          + " nemoclaw can use; the rule is dropped", Action.dropped));
      return Optional.empty();
    }
    if (raw.contains("?") || raw.contains("[")) {
      local.add(new Finding(at.line(), at.path(), "path '" + raw + "': ? and [...] have no"
          + " counterpart in nemoclaw's globs; the rule is dropped", Action.dropped));
      return Optional.empty();
    }
    return Optional.of(segments(raw, true));
  }

  private static String segments(String raw, boolean forAllow) {
    String[] parts = raw.substring(1).split("/", -1);
    List<String> out = new ArrayList<>();
    for (String p : parts) {
      if (p.equals("**")) {
        out.add(forAllow ? "*/**" : "**");
      } else {
        out.add(p.replaceAll("\\*{2,}", "*"));
      }
    }
    return "/" + String.join("/", out);
  }

  private record DenySpec(List<String> methods, List<String> paths, int line, String path) {}

  /**
   * Deny rules, widened where they cannot be expressed exactly (a wider deny is stricter):
   * a query condition is dropped (every query is denied), {@code ?} and {@code [..]} become
   * {@code *}. Deny rules hold for every binary, not only the policy's.
   */
  private List<DenySpec> denyRules(Node n, List<Finding> local) {
    List<DenySpec> out = new ArrayList<>();
    Optional<Node.Seq> s = seq(n);
    if (s.isEmpty()) {
      return out;
    }
    for (Node item : s.get().items()) {
      Optional<Node.Map> dm = map(item);
      if (dm.isEmpty()) {
        continue;
      }
      Node.Map d = dm.get();
      Optional<String> method = d.get("method").flatMap(this::text);
      Optional<String> path = d.get("path").flatMap(this::text);
      if (d.get("method").isEmpty() || d.get("path").isEmpty()) {
        error(d, "a REST deny rule needs 'method' and 'path'");
        continue;
      }
      if (method.isEmpty() || path.isEmpty()) {
        continue;
      }
      List<String> widened = new ArrayList<>();
      for (Node.Entry e : d.entries()) {
        if (!e.key().equals("method") && !e.key().equals("path")) {
          widened.add(e.key());
        }
      }
      String m = method.get().toUpperCase(Locale.ROOT);
      List<String> methods;
      if (m.equals("*")) {
        methods = List.of();
      } else if (HTTP_METHODS.contains(m)) {
        methods = List.of(m);
      } else {
        methods = List.of();
        widened.add("method " + method.get() + " (denied for every method)");
      }
      String p = path.get();
      String glob;
      if (p.equals("**") || p.equals("/**") || !p.startsWith("/")) {
        glob = "";
        if (!p.equals("**") && !p.equals("/**")) {
          widened.add("path " + p + " (denied for every path)");
        }
      } else {
        String g = p.replaceAll("\\[[^\\]]*\\]", "*").replace('?', '*');
        if (!g.equals(p)) {
          widened.add("? and [...] in the path (each is now *)");
        }
        glob = segments(g, false);
      }
      if (!widened.isEmpty()) {
        local.add(new Finding(d.line(), d.path(), "deny rule widened: " + String.join(", ",
            widened) + " cannot be expressed; it denies more", Action.stricter));
      }
      out.add(new DenySpec(methods, glob.isEmpty() ? List.of() : List.of(glob), d.line(),
          d.path()));
    }
    if (!out.isEmpty()) {
      local.add(new Finding(n.line(), n.path(), "deny rules apply to every executable in"
          + " nemoclaw, not only this policy's binaries", Action.stricter));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // small readers

  private Optional<Node.Map> map(Node n) {
    if (n instanceof Node.Map m) {
      return Optional.of(m);
    }
    if (n instanceof Node.Scalar s && s.isNull()) {
      return Optional.of(new Node.Map(n.line(), n.column(), n.path(), List.of()));
    }
    error(n, "must be a mapping, not " + n.kind());
    return Optional.empty();
  }

  private Optional<Node.Seq> seq(Node n) {
    if (n instanceof Node.Seq s) {
      return Optional.of(s);
    }
    if (n instanceof Node.Scalar s && s.isNull()) {
      return Optional.of(new Node.Seq(n.line(), n.column(), n.path(), List.of()));
    }
    error(n, "must be a list, not " + n.kind());
    return Optional.empty();
  }

  private Optional<String> text(Node n) {
    if (n instanceof Node.Scalar s && !s.isNull()) {
      return Optional.of(s.text());
    }
    error(n, "must be a value, not " + n.kind());
    return Optional.empty();
  }

  private boolean bool(Node n) {
    Optional<String> t = text(n);
    if (t.isPresent() && !t.get().equals("true") && !t.get().equals("false")) {
      error(n, "must be true or false");
    }
    return t.filter("true"::equals).isPresent();
  }

  private void note(Node.Entry e, String path, String message, Action action) {
    findings.add(new Finding(e.line(), path, message, action));
  }

  private void error(Node n, String message) {
    problems.add(new Problem(file, n.line(), n.column(), n.path(), message));
  }

  private void error(Item<?> i, String message) {
    problems.add(new Problem(file, i.line(), 1, i.path(), message));
  }

  private void error(Node.Entry e, String path, String message) {
    problems.add(new Problem(file, e.line(), e.column(), path, message));
  }
}
