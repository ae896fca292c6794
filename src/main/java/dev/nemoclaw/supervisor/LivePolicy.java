package dev.nemoclaw.supervisor;

import dev.nemoclaw.policy.Decision;
import dev.nemoclaw.policy.EgressPolicy;
import dev.nemoclaw.policy.EgressRequest;
import dev.nemoclaw.policy.LayeredPolicy;
import dev.nemoclaw.policy.PolicyStore;
import dev.nemoclaw.policy.Revision;
import dev.nemoclaw.policy.RuleSet;
import dev.nemoclaw.policy.ToolPolicy;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.spec.McpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The run's effective policy (org and team layers, agent.yaml, the stored revisions), rebuilt
 * whole when any of them changes: an approval's revision, {@code policy rollback} from another
 * process, an edit of agent.yaml's network or privacy section or of a layer file. The new
 * generation replaces the old in one step, so each decision sees one generation, never a mix.
 * Each revision that appears while the run goes on is handed to the listener once (the audit log
 * records it), and while {@link #failClosed} holds a reason every request is denied with it.
 */
final class LivePolicy implements EgressPolicy {
  private record Generation(LayeredPolicy policy, ToolPolicy tools, int revision,
      PolicySource.Live live, List<Object> files) {}

  private final PolicySource source;
  private final PolicyStore store;
  private final LivePrivacy privacy;
  private final AtomicReference<Generation> current = new AtomicReference<>();
  private volatile Consumer<Revision> onRevision = r -> {};
  private volatile Consumer<Edit> onEdit = e -> {};
  private volatile Optional<String> closedBecause = Optional.empty();
  private List<Object> refused = List.of();

  LivePolicy(PolicySource source, PolicyStore store) throws IOException {
    this.source = source;
    this.store = store;
    this.privacy = new LivePrivacy(source.initial().privacy());
    List<Object> files = fingerprint();
    Optional<Revision> latest = store.latest();
    current.set(new Generation(compile(source.initial(), latest), tools(source.initial()),
        number(latest), source.initial(), files));
  }

  /**
   * A reload from edited files: who owns the newest of them, and each watched file with the
   * sha256 of the content now in force (so the audit log ties a decision to a commit).
   */
  record Edit(int revision, String owner, List<String> files) {}

  /** Receives each reload from edited files. */
  void onEdit(Consumer<Edit> listener) {
    onEdit = listener;
  }

  /** Receives each revision newer than the one in force when it was set. */
  void onRevision(Consumer<Revision> listener) {
    onRevision = listener;
  }

  /** The privacy guard of the generation in force (the proxy and inference.local use it). */
  PrivacyGuard privacy() {
    return privacy;
  }

  /**
   * Takes up whatever changed since the generation in force: a stored revision, an edited
   * agent.yaml or layer file. Returns what it did, one line each, for the run's messages.
   *
   * @throws PolicySource.Invalid the edited files have errors: the generation in force stays,
   *     and the same broken files are not read again until they change
   */
  synchronized List<String> refresh() throws IOException, PolicySource.Invalid {
    Generation before = current.get();
    List<Object> files = fingerprint();
    boolean edited = !files.equals(before.files()) && !files.equals(refused);
    if (!edited && store.newest() == before.revision()) {
      return List.of();
    }
    PolicySource.Live live = before.live();
    if (edited) {
      try {
        live = source.load();
      } catch (PolicySource.Invalid e) {
        refused = files;
        throw e;
      }
    }
    Optional<Revision> latest = store.latest();
    int newest = number(latest);
    current.set(new Generation(compile(live, latest), tools(live), newest, live,
        edited ? files : before.files()));
    List<String> said = new ArrayList<>();
    if (edited) {
      privacy.set(live.privacy());
      said.add("policy reloaded from " + String.join(", ", source.watched().stream()
          .map(p -> p.getFileName().toString()).toList()) + ": " + current.get().policy()
          .ruleCount() + " network rules" + (live.tools().isEmpty() ? ""
          : " and " + live.tools().size() + " tool rules") + " in force");
      live.staticChanges().forEach(c -> said.add(c + " changed but cannot change while the"
          + " sandbox runs; it applies at the next run"));
      onEdit.accept(edit(newest));
    }
    for (int n = before.revision() + 1; n < newest; n++) {
      onRevision.accept(store.revision(n));
    }
    if (newest > before.revision()) {
      onRevision.accept(latest.get());
    }
    if (newest != before.revision()) {
      said.add("policy revision " + newest + " is in force");
    }
    return said;
  }

  /** Applies a revision this process just stored (an approval with {@code always}). */
  void reload() throws IOException {
    try {
      refresh();
    } catch (PolicySource.Invalid e) {
      // an edit with errors is said by the next tick; the stored revision is in force anyway
    }
  }

  /**
   * The server name MCP calls to {@code host} are governed under: the first of agent.yaml's
   * {@code mcpServers} that covers it, else the host itself.
   */
  String mcpServer(String host) {
    for (McpServer s : current.get().live().mcpServers()) {
      if (s.covers(host)) {
        return s.name();
      }
    }
    return host;
  }

  /** The stored revision in force (0: agent.yaml alone). */
  int revision() {
    return current.get().revision();
  }

  /** Whether an uncovered destination may be held for an operator now (else it is denied). */
  boolean asks() {
    return current.get().policy().asks();
  }

  /** From now on every request is denied, saying {@code reason}. */
  void failClosed(String reason) {
    closedBecause = Optional.of(reason);
  }

  /** Whether a rule in force now asks for TLS inspection. */
  boolean inspects() {
    return current.get().policy().inspects();
  }

  @Override
  public Decision decide(EgressRequest request) {
    return lockdown().<Decision>map(d -> d).orElseGet(() -> current.get().policy().decide(request));
  }

  @Override
  public Optional<Decision.Deny> lockdown() {
    return closedBecause.map(reason -> new Decision.Deny("audit", reason,
        "nothing leaves a sandbox whose decisions cannot be recorded; fix the audit log (`nemoclaw"
            + " audit verify`, free disk space) and run again"));
  }

  /** Why the generation in force decides {@code request} as it does (a lockdown first). */
  LayeredPolicy.Explanation explain(EgressRequest request) {
    Optional<Decision.Deny> closed = lockdown();
    if (closed.isPresent()) {
      return new LayeredPolicy.Explanation(closed.get(), "audit", java.util.OptionalInt.empty(),
          Optional.empty(), List.of());
    }
    return current.get().policy().explain(request);
  }

  @Override
  public boolean namesAddress(InetAddress address, int port) {
    return current.get().policy().namesAddress(address, port);
  }

  /** The tools rules of the generation in force (rebuilt with the rest on every reload). */
  ToolPolicy tools() {
    return current.get().tools();
  }

  /** The privacy settings of the generation in force (pii-scan and redact-output use them). */
  dev.nemoclaw.spec.Privacy privacySpec() {
    return current.get().live().privacy();
  }

  private ToolPolicy tools(PolicySource.Live live) {
    return ToolPolicy.compile(live.tools(), live.toolRisk(), source.agent());
  }

  private LayeredPolicy compile(PolicySource.Live live, Optional<Revision> latest) {
    return LayeredPolicy.compile(live.network(), latest.map(Revision::rules).orElse(RuleSet.EMPTY),
        live.layers(), source.agent());
  }

  private static int number(Optional<Revision> r) {
    return r.map(Revision::number).orElse(0);
  }

  private Edit edit(int revision) throws IOException {
    List<String> files = new ArrayList<>();
    Path newest = null;
    long newestTime = Long.MIN_VALUE;
    for (Path p : source.watched()) {
      try {
        byte[] content = Files.readAllBytes(p);
        files.add(p + " sha256:" + java.util.HexFormat.of().formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(content)));
        long t = Files.getLastModifiedTime(p).toMillis();
        if (t > newestTime) {
          newestTime = t;
          newest = p;
        }
      } catch (NoSuchFileException gone) {
        files.add(p + " (removed)");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    String owner = newest == null ? "unknown" : Files.getOwner(newest).getName();
    return new Edit(revision, owner, files);
  }

  /** Name, inode, size and time of each watched file: an edit or a replacing rename changes it. */
  private List<Object> fingerprint() throws IOException {
    List<Object> out = new ArrayList<>();
    for (Path p : source.watched()) {
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        out.add(List.of(p.toString(), String.valueOf(a.fileKey()), a.size(),
            a.lastModifiedTime().toMillis()));
      } catch (NoSuchFileException e) {
        out.add(List.of(p.toString(), "missing"));
      }
    }
    return out;
  }
}
