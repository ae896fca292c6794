package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nemoclaw.control.StatusText;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.control.ControlTarget.ControlError;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What the operator sees, as data: sandboxes, the approvals inbox, the network feed, the log and
 * the selection, fed by {@link TermFeed} events and the operator's keys. No Lanterna types, so it
 * is tested on its own. Every method is synchronized: events arrive on feed threads and decision
 * outcomes on worker threads, and the UI thread reads an immutable {@link View} per frame.
 *
 * <p>Selections are kept by key (sandbox name, approval {@code sandbox/id}, egress sequence), never
 * by index, so arrivals never move them. When the selected item vanishes the selection moves to its
 * neighbour, and the next decision key is refused once, so a decision meant for a vanished item
 * never lands on the one that took its place. A decision key also acts only on the approval the
 * last frame showed selected.
 */
public final class TermModel {
  public static final int FEED_LIMIT = 500;
  public static final int LOG_LIMIT = 200;
  public static final List<String> VERDICTS =
      List.of("once", "session", "always", "deny", "deny-always");

  /** The panes of the dashboard, in Tab order. */
  public enum Pane {
    SANDBOXES, APPROVALS, NETWORK;

    Pane next() {
      return values()[(ordinal() + 1) % values().length];
    }

    Pane previous() {
      return values()[(ordinal() + values().length - 1) % values().length];
    }
  }

  /** What fills the space between header and footer. */
  public enum Mode { DASHBOARD, DETAIL, LOG }

  public record Sandbox(String name, String backend, OptionalLong pid, long uptimeMs,
      long memoryBytes, double cpuSeconds, OptionalDouble cpuPercent, long pids, int pending,
      OptionalInt exitCode, String models) {}

  public record Approval(String sandbox, String id, String kind, Optional<String> host,
      OptionalInt port, Optional<String> binary, OptionalLong pid, Optional<String> method,
      Optional<String> path, Optional<String> detail, long hits, Optional<Instant> createdAt,
      Optional<Instant> expiresAt, Optional<String> warning, Optional<String> rule, long seq,
      boolean fresh, Optional<String> deciding) {
    public String key() {
      return key(sandbox, id);
    }

    static String key(String sandbox, String id) {
      return sandbox + "/" + id;
    }

    /** host:port, or the detail when the request names no destination (escalations, tools). */
    public String target() {
      if (kind.equals("tool") && detail.isPresent()) {
        return detail.get();
      }
      if (host.isPresent()) {
        return host.get() + (port.isPresent() ? ":" + port.getAsInt() : "");
      }
      return detail.orElse(kind);
    }

    /** METHOD path, when the request is plain HTTP. */
    public Optional<String> request() {
      if (method.isEmpty() && path.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of((method.orElse("") + " " + path.orElse("")).strip());
    }
  }

  public record Egress(long seq, Optional<Instant> time, String sandbox, boolean allowed,
      String host, OptionalInt port, Optional<String> binary, Optional<String> method,
      Optional<String> path, Optional<String> rule, Optional<String> reason) {
    public String key() {
      return "e" + seq;
    }
  }

  public record Notice(String text, boolean error) {}

  public record LogLine(Instant at, String text) {}

  /** A decision the UI should send: {@link TermFeed#decide}, then report back. */
  public record DecisionRequest(String sandbox, String approval, String verdict, String target,
      Optional<String> rule) {}

  /** One frame's worth of state. Lists are immutable and already in display order. */
  public record View(List<Sandbox> sandboxes, List<Approval> approvals, List<Egress> network,
      List<LogLine> log, List<String> rulesAdded, Pane focus, Mode mode,
      Optional<String> selectedSandbox, Optional<String> selectedApproval,
      Optional<String> selectedEgress, Optional<Notice> notice, List<String> output) {
    public Optional<Approval> approval() {
      return selectedApproval.flatMap(k -> approvals.stream().filter(a -> a.key().equals(k))
          .findFirst());
    }

    public int pending() {
      return approvals.size();
    }
  }

  private static final class SandboxState {
    final String name;
    String backend = "";
    OptionalLong pid = OptionalLong.empty();
    long uptimeMs;
    long memoryBytes;
    double cpuSeconds;
    OptionalDouble cpuPercent = OptionalDouble.empty();
    long pids;
    OptionalInt exitCode = OptionalInt.empty();
    String models = "-";

    SandboxState(String name) {
      this.name = name;
    }

    void stats(JsonNode n) {
      long up = n.path("uptimeMs").asLong(uptimeMs);
      double cpu = n.path("cpuSeconds").asDouble(cpuSeconds);
      if (n.has("cpuSeconds") && n.has("uptimeMs") && up > uptimeMs && uptimeMs > 0) {
        cpuPercent = OptionalDouble.of(Math.max(0, (cpu - cpuSeconds) * 100_000.0 / (up - uptimeMs)));
      }
      uptimeMs = up;
      cpuSeconds = cpu;
      memoryBytes = n.path("memoryBytes").asLong(memoryBytes);
      pids = n.path("pids").asLong(pids);
      if (n.has("inference")) {
        models = StatusText.models(n.get("inference"));
      }
    }
  }

  private final Function<ObjectNode, Instant> now;
  private final Map<String, SandboxState> sandboxes = new TreeMap<>();
  private final Map<String, Approval> approvals = new LinkedHashMap<>();
  private final Deque<Egress> network = new ArrayDeque<>();
  private final Deque<LogLine> log = new ArrayDeque<>();
  /** The agent's own output ({@code run --tui}: one sandbox), newest last. */
  private final Deque<String> output = new ArrayDeque<>();
  private final List<String> rulesAdded = new ArrayList<>();
  private final Map<String, Boolean> deciding = new HashMap<>();
  private long seq;
  private Pane focus = Pane.APPROVALS;
  private Mode mode = Mode.DASHBOARD;
  private Optional<String> selSandbox = Optional.empty();
  private Optional<String> selApproval = Optional.empty();
  private Optional<String> selEgress = Optional.empty();
  private Optional<String> renderedApproval = Optional.empty();
  private Optional<String> movedFrom = Optional.empty();
  private Optional<Notice> notice = Optional.empty();
  private int bells;

  /** {@code clock} gives the time of log lines (wall clock in the app, fixed in tests). */
  public TermModel(java.time.Clock clock) {
    this.now = e -> clock.instant();
  }

  // ---------------------------------------------------------------- events

  /** Applies one feed event. Unknown events and malformed fields are ignored, never fatal. */
  public synchronized void apply(ObjectNode e) {
    String event = e.path("event").asText("");
    // the feed adds "sandbox"; an Approval names its sandbox too
    String sb = e.path("sandbox").asText(e.path("approval").path("sandbox").asText(""));
    List<String> before = approvalKeys();
    List<String> sbBefore = List.copyOf(sandboxes.keySet());
    List<String> netBefore = egressKeys();
    boolean ours = false;
    switch (event) {
      case "sandbox.up" -> sandboxUp(sb, e);
      case "sandbox.down" -> {
        if (sandboxes.remove(sb) != null) {
          log(e, sb + ": gone");
        }
        approvals.values().removeIf(a -> a.sandbox().equals(sb));
      }
      case "stats" -> {
        SandboxState s = sandboxes.get(sb);
        if (s != null) {
          s.stats(e);
        }
      }
      case "exit" -> {
        SandboxState s = sandboxes.get(sb);
        if (s != null) {
          s.exitCode = OptionalInt.of(e.path("code").asInt());
        }
        log(e, sb + ": agent exited with code " + e.path("code").asInt());
      }
      case "approval.new", "approval.updated" -> {
        JsonNode a = e.path("approval");
        if (a.isObject() && !sb.isEmpty()) {
          put(sb, a);
        }
      }
      case "approval.decided" -> {
        Approval gone = approvals.remove(Approval.key(sb, e.path("approval").asText()));
        // the event often overtakes our own decide call's answer
        ours = gone != null && gone.deciding().isPresent();
        if (gone != null) {
          log(e, sb + ": " + gone.target() + " → " + e.path("verdict").asText("?") + " by "
              + e.path("by").asText("?") + " via " + e.path("channel").asText("?"));
        }
      }
      case "approval.expired" -> {
        Approval gone = approvals.remove(Approval.key(sb, e.path("approval").asText()));
        if (gone != null) {
          log(e, sb + ": " + gone.target() + " expired undecided → denied");
        }
      }
      case "egress" -> egress(sb, e);
      case "output" -> {
        String text = Text.clean(e.path("text").asText(""));
        output.addLast(e.path("stream").asText().equals("stderr") ? "! " + text : text);
        while (output.size() > FEED_LIMIT) {
          output.removeFirst();
        }
      }
      default -> {
        // future events: not shown
      }
    }
    reselect(before, sbBefore, netBefore, ours);
  }

  private void sandboxUp(String name, ObjectNode e) {
    if (name.isEmpty()) {
      return;
    }
    SandboxState s = sandboxes.computeIfAbsent(name, SandboxState::new);
    JsonNode st = e.path("status");
    s.backend = st.path("backend").asText(s.backend);
    if (st.path("pid").canConvertToLong()) {
      s.pid = OptionalLong.of(st.path("pid").asLong());
    }
    s.stats(st);
    log(e, name + ": up");
    // a (re)connect: the list given is the whole truth about this sandbox's pending items
    List<String> listed = new ArrayList<>();
    for (JsonNode a : e.path("approvals")) {
      if (a.isObject()) {
        listed.add(Approval.key(name, a.path("id").asText()));
        put(name, a);
      }
    }
    approvals.values().removeIf(a -> a.sandbox().equals(name) && !listed.contains(a.key()));
  }

  private void put(String sb, JsonNode a) {
    String id = a.path("id").asText("");
    if (id.isEmpty()) {
      return;
    }
    String key = Approval.key(sb, id);
    Approval old = approvals.get(key);
    Approval fresh = new Approval(sb, id, a.path("kind").asText("egress"), text(a, "host"),
        a.path("port").canConvertToInt() && a.path("port").isNumber()
            ? OptionalInt.of(a.path("port").asInt()) : OptionalInt.empty(),
        text(a, "binary"),
        a.path("pid").isNumber() ? OptionalLong.of(a.path("pid").asLong()) : OptionalLong.empty(),
        text(a, "method"), text(a, "path"), text(a, "detail"), a.path("hits").asLong(1),
        instant(a, "createdAt"), instant(a, "expiresAt"), text(a, "warning"), text(a, "rule"),
        old == null ? ++seq : old.seq(), old == null ? true : old.fresh(),
        old == null ? Optional.empty() : old.deciding());
    approvals.put(key, fresh);
    if (old == null) {
      bells++;
    }
  }

  private void egress(String sb, ObjectNode e) {
    String kind = e.path("kind").asText("decision");
    if (!kind.equals("decision")) {
      return; // the end of an exchange: bytes and duration, not a new line in the feed
    }
    network.addFirst(new Egress(++seq, instant(e, "time"), sb,
        e.path("decision").asText("").equals("allow"), e.path("host").asText("?"),
        e.path("port").isNumber() ? OptionalInt.of(e.path("port").asInt()) : OptionalInt.empty(),
        text(e, "exe"), text(e, "method"), text(e, "path"), text(e, "rule"), text(e, "reason")));
    while (network.size() > FEED_LIMIT) {
      network.removeLast();
    }
  }

  // ---------------------------------------------------------------- selection

  private List<String> approvalKeys() {
    return sortedApprovals().stream().map(Approval::key).toList();
  }

  private List<String> egressKeys() {
    return network.stream().map(Egress::key).toList();
  }

  private List<Approval> sortedApprovals() {
    return approvals.values().stream()
        .sorted(Comparator.comparing((Approval a) -> a.createdAt().orElse(Instant.MIN))
            .thenComparingLong(Approval::seq).reversed())
        .toList();
  }

  private void reselect(List<String> before, List<String> sbBefore, List<String> netBefore,
      boolean byUs) {
    Optional<String> a = keep(selApproval, before, approvalKeys());
    if (selApproval.isPresent() && !a.equals(selApproval)) {
      movedFrom = byUs || a.isEmpty() ? Optional.empty() : selApproval;
      if (mode == Mode.DETAIL) {
        mode = Mode.DASHBOARD; // the item under the operator's eyes is gone: show the list
        if (!byUs) {
          notice = Optional.of(new Notice(
              "The approval you were looking at is no longer pending (log: l)", true));
        }
      }
    }
    selApproval = a;
    selSandbox = keep(selSandbox, sbBefore, List.copyOf(sandboxes.keySet()));
    selEgress = keep(selEgress, netBefore, egressKeys());
  }

  /**
   * The selection after a list changed: the same key while it exists; else the nearest survivor
   * of the old list (the next one down, then up); else the first item, when there was none.
   */
  static Optional<String> keep(Optional<String> sel, List<String> before, List<String> after) {
    if (after.isEmpty()) {
      return Optional.empty();
    }
    if (sel.isEmpty()) {
      return Optional.of(after.getFirst());
    }
    if (after.contains(sel.get())) {
      return sel;
    }
    int i = before.indexOf(sel.get());
    if (i >= 0) {
      for (int j = i + 1; j < before.size(); j++) {
        if (after.contains(before.get(j))) {
          return Optional.of(before.get(j));
        }
      }
      for (int j = i - 1; j >= 0; j--) {
        if (after.contains(before.get(j))) {
          return Optional.of(before.get(j));
        }
      }
    }
    return Optional.of(after.getFirst());
  }

  /** Moves the selection of the focused pane (or of the inbox, in the detail view). */
  public synchronized void move(int delta) {
    switch (mode == Mode.DASHBOARD ? focus : Pane.APPROVALS) {
      case SANDBOXES -> selSandbox = step(selSandbox, List.copyOf(sandboxes.keySet()), delta);
      case APPROVALS -> {
        selApproval = step(selApproval, approvalKeys(), delta);
        selApproval.ifPresent(this::seen);
        movedFrom = Optional.empty();
      }
      case NETWORK -> selEgress = step(selEgress, egressKeys(), delta);
    }
  }

  private static Optional<String> step(Optional<String> sel, List<String> keys, int delta) {
    if (keys.isEmpty()) {
      return Optional.empty();
    }
    int i = sel.map(keys::indexOf).orElse(-1);
    if (i < 0) {
      return Optional.of(keys.getFirst());
    }
    return Optional.of(keys.get(Math.clamp((long) i + delta, 0, keys.size() - 1)));
  }

  private void seen(String key) {
    Approval a = approvals.get(key);
    if (a != null && a.fresh()) {
      approvals.put(key, withFresh(a, false));
    }
  }

  private static Approval withFresh(Approval a, boolean fresh) {
    return new Approval(a.sandbox(), a.id(), a.kind(), a.host(), a.port(), a.binary(), a.pid(),
        a.method(), a.path(), a.detail(), a.hits(), a.createdAt(), a.expiresAt(), a.warning(),
        a.rule(), a.seq(), fresh, a.deciding());
  }

  private static Approval withDeciding(Approval a, Optional<String> verdict) {
    return new Approval(a.sandbox(), a.id(), a.kind(), a.host(), a.port(), a.binary(), a.pid(),
        a.method(), a.path(), a.detail(), a.hits(), a.createdAt(), a.expiresAt(), a.warning(),
        a.rule(), a.seq(), a.fresh(), verdict);
  }

  public synchronized void focusNext() {
    mode = Mode.DASHBOARD;
    focus = focus.next();
  }

  public synchronized void focusPrevious() {
    mode = Mode.DASHBOARD;
    focus = focus.previous();
  }

  public synchronized void focus(Pane pane) {
    focus = pane;
  }

  /**
   * Enter: on an approval, its detail; on a sandbox, the inbox at that sandbox's newest item.
   */
  public synchronized void enter() {
    if (mode != Mode.DASHBOARD) {
      mode = Mode.DASHBOARD;
      return;
    }
    if (focus == Pane.SANDBOXES && selSandbox.isPresent()) {
      focus = Pane.APPROVALS;
      String sb = selSandbox.get();
      sortedApprovals().stream().filter(a -> a.sandbox().equals(sb)).findFirst()
          .ifPresent(a -> {
            selApproval = Optional.of(a.key());
            movedFrom = Optional.empty();
            seen(a.key());
          });
    } else if (focus == Pane.APPROVALS && selApproval.isPresent()) {
      mode = Mode.DETAIL;
      seen(selApproval.get());
      movedFrom = Optional.empty();
    }
  }

  /** Esc: back to the dashboard. */
  public synchronized void back() {
    mode = Mode.DASHBOARD;
  }

  public synchronized void toggleLog() {
    mode = mode == Mode.LOG ? Mode.DASHBOARD : Mode.LOG;
  }

  // ---------------------------------------------------------------- decisions

  /**
   * The decision key {@code verdict} was pressed: the request to send, or empty (with a notice
   * saying why) when there is nothing safe to decide.
   */
  public synchronized Optional<DecisionRequest> requestDecision(String verdict) {
    if (!VERDICTS.contains(verdict)) {
      throw new IllegalArgumentException(verdict);
    }
    if (selApproval.isEmpty()) {
      notice = Optional.of(new Notice("Nothing to decide: the inbox is empty", false));
      return Optional.empty();
    }
    Approval a = approvals.get(selApproval.get());
    if (movedFrom.isPresent() || !renderedApproval.equals(selApproval)) {
      movedFrom = Optional.empty();
      renderedApproval = selApproval;
      notice = Optional.of(new Notice("The selected approval changed under you; now on "
          + a.sandbox() + " " + a.target() + ": press again to decide it", true));
      return Optional.empty();
    }
    if (a.deciding().isPresent()) {
      notice = Optional.of(new Notice("Already sending " + a.deciding().get() + " for "
          + a.target() + "…", false));
      return Optional.empty();
    }
    approvals.put(a.key(), withDeciding(withFresh(a, false), Optional.of(verdict)));
    notice = Optional.of(new Notice("Sending " + verdict + " for " + a.sandbox() + " "
        + a.target() + "…", false));
    return Optional.of(new DecisionRequest(a.sandbox(), a.id(), verdict, a.target(), a.rule()));
  }

  /** The decide call returned its result. */
  public synchronized void decided(DecisionRequest r, ObjectNode result) {
    List<String> before = approvalKeys();
    List<String> sbBefore = List.copyOf(sandboxes.keySet());
    List<String> netBefore = egressKeys();
    approvals.remove(Approval.key(r.sandbox(), r.approval()));
    String verdict = result.path("verdict").asText(r.verdict());
    String text = r.sandbox() + ": " + r.target() + " → " + verdict;
    if (result.hasNonNull("by")) {
      text += " (by " + result.path("by").asText() + " via "
          + result.path("channel").asText("tui") + ")";
    }
    notice = Optional.of(new Notice("✓ " + text, false));
    log(result, text);
    if (r.rule().isPresent() && (verdict.equals("always") || verdict.equals("deny-always"))) {
      rulesAdded.addFirst(r.sandbox() + ": " + (verdict.equals("always") ? "allow " : "deny ")
          + r.rule().get());
    }
    // we decided it: moving off it is expected, not a surprise to guard against
    reselect(before, sbBefore, netBefore, true);
  }

  /** The decide call failed with a protocol error. */
  public synchronized void failed(DecisionRequest r, ControlError e) {
    List<String> before = approvalKeys();
    List<String> sbBefore = List.copyOf(sandboxes.keySet());
    List<String> netBefore = egressKeys();
    String key = Approval.key(r.sandbox(), r.approval());
    String text;
    boolean gone;
    switch (e.code()) {
      case "already_decided" -> {
        JsonNode d = e.details() == null ? com.fasterxml.jackson.databind.node.MissingNode
            .getInstance() : e.details();
        text = r.target() + " was already decided by " + d.path("by").asText("someone")
            + " via " + d.path("channel").asText("?")
            + (d.hasNonNull("verdict") ? " (" + d.path("verdict").asText() + ")" : "");
        gone = true;
      }
      case "unknown_approval" -> {
        text = r.target() + " is no longer pending in " + r.sandbox();
        gone = true;
      }
      default -> {
        text = r.verdict() + " for " + r.target() + " refused: "
            + (e.getMessage() == null ? e.code() : e.getMessage()) + " [" + e.code() + "]";
        gone = false;
      }
    }
    notice = Optional.of(new Notice(text, true));
    log(null, r.sandbox() + ": " + text);
    Approval a = approvals.get(key);
    if (gone) {
      approvals.remove(key);
    } else if (a != null) {
      approvals.put(key, withDeciding(a, Optional.empty()));
    }
    reselect(before, sbBefore, netBefore, true);
  }

  /** The decide call could not reach the sandbox. */
  public synchronized void unreachable(DecisionRequest r, Exception e) {
    String key = Approval.key(r.sandbox(), r.approval());
    Approval a = approvals.get(key);
    if (a != null) {
      approvals.put(key, withDeciding(a, Optional.empty()));
    }
    String text = "Could not send " + r.verdict() + " to " + r.sandbox() + ": " + e.getMessage();
    notice = Optional.of(new Notice(text, true));
    log(null, text);
  }

  /** Anything else worth a line at the bottom (the feed failed to start, ...). */
  public synchronized void note(String text, boolean error) {
    notice = Optional.of(new Notice(text, error));
    log(null, text);
  }

  // ---------------------------------------------------------------- the UI's side

  /** The frame just drawn showed this view: decision keys may now act on its selection. */
  public synchronized void rendered(View v) {
    renderedApproval = v.selectedApproval();
  }

  /** How many bells are owed (new approvals since the last call). */
  public synchronized int takeBells() {
    int b = bells;
    bells = 0;
    return b;
  }

  public synchronized View view() {
    List<Approval> sorted = sortedApprovals();
    Map<String, Integer> pending = new HashMap<>();
    sorted.forEach(a -> pending.merge(a.sandbox(), 1, Integer::sum));
    List<Sandbox> sbs = sandboxes.values().stream()
        .map(s -> new Sandbox(s.name, s.backend, s.pid, s.uptimeMs, s.memoryBytes, s.cpuSeconds,
            s.cpuPercent, s.pids, pending.getOrDefault(s.name, 0), s.exitCode,
            s.models))
        .toList();
    return new View(sbs, sorted, List.copyOf(network), List.copyOf(log), List.copyOf(rulesAdded),
        focus, mode, selSandbox, selApproval, selEgress, notice, List.copyOf(output));
  }

  /** The earliest expiry among pending approvals: the UI repaints the countdown until then. */
  public synchronized Optional<Instant> nextExpiry() {
    return approvals.values().stream().flatMap(a -> a.expiresAt().stream())
        .min(Comparator.naturalOrder());
  }

  // ---------------------------------------------------------------- helpers

  private void log(ObjectNode e, String text) {
    Instant at = e == null ? now.apply(null) : instant(e, "at").or(() -> instant(e, "time"))
        .orElseGet(() -> now.apply(e));
    log.addFirst(new LogLine(at, text));
    while (log.size() > LOG_LIMIT) {
      log.removeLast();
    }
  }

  private static Optional<String> text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isNull() || v.isMissingNode() || v.asText().isEmpty()
        ? Optional.empty() : Optional.of(v.asText());
  }

  private static Optional<Instant> instant(JsonNode n, String field) {
    try {
      return text(n, field).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
