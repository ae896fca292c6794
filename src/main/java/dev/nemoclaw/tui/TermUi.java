package dev.nemoclaw.tui;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import dev.nemoclaw.control.ControlTarget.ControlError;
import dev.nemoclaw.control.StatusText;
import dev.nemoclaw.tui.TermModel.Approval;
import dev.nemoclaw.tui.TermModel.Egress;
import dev.nemoclaw.tui.TermModel.LogLine;
import dev.nemoclaw.tui.TermModel.Mode;
import dev.nemoclaw.tui.TermModel.Pane;
import dev.nemoclaw.tui.TermModel.Sandbox;
import dev.nemoclaw.tui.TermModel.View;
import dev.nemoclaw.tui.Theme.Style;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The screens of {@code nemoclaw term}, on one UI thread. Everything that happens — a feed event,
 * a key, a resize, a decision's outcome — is a message on one queue; the UI thread applies a batch
 * to the {@link TermModel} and draws one frame. Nothing polls: the thread sleeps on the queue, and
 * wakes on its own only once a second while an approval's expiry countdown is on screen.
 */
public final class TermUi {
  private sealed interface Msg {}

  private record EventMsg(ObjectNode event) implements Msg {}

  private record KeyMsg(KeyStroke key) implements Msg {}

  private record ResizeMsg() implements Msg {}

  private record DoneMsg(Runnable apply) implements Msg {}

  private record QuitMsg() implements Msg {}

  private static final DateTimeFormatter HMS = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final TerminalScreen screen;
  private final TermFeed feed;
  private final TermModel model;
  private final Clock clock;
  private final Theme theme;
  private final Executor decider;
  private final BlockingQueue<Msg> inbox = new LinkedBlockingQueue<>();
  private final Map<Pane, Integer> offsets = new EnumMap<>(Pane.class);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object frameLock = new Object();
  private long frames;
  private boolean quit;
  private boolean redrawAll;

  /**
   * @param decider runs {@link TermFeed#decide} off the UI thread (a virtual thread per call in
   *     the app)
   */
  public TermUi(TerminalScreen screen, TermFeed feed, TermModel model, Clock clock, Theme theme,
      Executor decider) {
    this.screen = screen;
    this.feed = feed;
    this.model = model;
    this.clock = clock;
    this.theme = theme;
    this.decider = decider;
    screen.getTerminal().addResizeListener((t, size) -> inbox.add(new ResizeMsg()));
  }

  // ---------------------------------------------------------------- from any thread

  /** A feed event (the {@link TermFeed} consumer). */
  public void event(ObjectNode event) {
    inbox.add(new EventMsg(event));
  }

  public void key(KeyStroke key) {
    inbox.add(new KeyMsg(key));
  }

  public void quit() {
    inbox.add(new QuitMsg());
  }

  /** Frames drawn so far. */
  public long frames() {
    synchronized (frameLock) {
      return frames;
    }
  }

  /** Waits until more than {@code seen} frames are drawn; false on timeout. */
  public boolean awaitFrameAfter(long seen, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (frameLock) {
      while (frames <= seen) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(frameLock, left);
      }
      return true;
    }
  }

  /** Waits until {@link #run} has restored the terminal; false on timeout. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- the UI thread

  /** Runs the screen until {@code q}, Ctrl-C or {@link #quit}; restores the terminal on return. */
  public void run() throws IOException, InterruptedException {
    AutoCloseable subscription = () -> {};
    try {
      screen.startScreen();
      screen.setCursorPosition(null);
      try {
        subscription = feed.start(this::event);
      } catch (IOException | RuntimeException e) {
        model.note("Cannot follow sandboxes: " + e.getMessage(), true);
      }
      draw();
      while (!quit) {
        Msg m = next();
        while (m != null && !quit) {
          handle(m);
          m = inbox.poll();
        }
        if (!quit) {
          draw();
        }
      }
    } finally {
      try {
        subscription.close();
      } catch (Exception e) {
        // closing the feed is best effort: the process is leaving the screen anyway
      }
      try {
        screen.stopScreen();
      } finally {
        stopped.countDown();
      }
    }
  }

  /** The next message; null when a countdown on screen needs a repaint first. */
  private Msg next() throws InterruptedException {
    if (model.nextExpiry().isEmpty()) {
      return inbox.take();
    }
    long ms = 1000 - clock.instant().toEpochMilli() % 1000;
    return inbox.poll(Math.max(50, ms), TimeUnit.MILLISECONDS);
  }

  private void handle(Msg m) {
    switch (m) {
      case EventMsg e -> model.apply(e.event());
      case KeyMsg k -> key0(k.key());
      case ResizeMsg r -> redrawAll = true;
      case DoneMsg d -> d.apply().run();
      case QuitMsg q -> quit = true;
    }
  }

  private void key0(KeyStroke k) {
    switch (k.getKeyType()) {
      case Character -> {
        char c = k.getCharacter();
        if (k.isCtrlDown()) {
          if (c == 'c' || c == 'C') {
            quit = true;
          } else if (c == 'l' || c == 'L') {
            redrawAll = true;
          }
          return;
        }
        if (k.isAltDown()) {
          return;
        }
        switch (c) {
          case 'q' -> quit = true;
          case 'o' -> decide("once");
          case 's' -> decide("session");
          case 'a' -> decide("always");
          case 'd' -> decide("deny");
          case 'D' -> decide("deny-always");
          case 'j' -> model.move(1);
          case 'k' -> model.move(-1);
          case 'l' -> model.toggleLog();
          default -> {
            // every other key does nothing: a stray key must never decide anything
          }
        }
      }
      case Tab -> model.focusNext();
      case ReverseTab -> model.focusPrevious();
      case ArrowDown -> model.move(1);
      case ArrowUp -> model.move(-1);
      case PageDown -> model.move(10);
      case PageUp -> model.move(-10);
      case Home -> model.move(-1_000_000);
      case End -> model.move(1_000_000);
      case Enter -> model.enter();
      case Escape, Backspace -> model.back();
      case EOF -> quit = true;
      default -> {
        // function keys, mouse: nothing
      }
    }
  }

  private void decide(String verdict) {
    model.requestDecision(verdict).ifPresent(r -> decider.execute(() -> {
      try {
        ObjectNode res = feed.decide(r.sandbox(), r.approval(), r.verdict());
        ObjectNode result = res == null ? JsonNodeFactory.instance.objectNode() : res;
        inbox.add(new DoneMsg(() -> model.decided(r, result)));
      } catch (ControlError e) {
        inbox.add(new DoneMsg(() -> model.failed(r, e)));
      } catch (IOException | RuntimeException e) {
        inbox.add(new DoneMsg(() -> model.unreachable(r, e)));
      }
    }));
  }

  // ---------------------------------------------------------------- drawing

  private void draw() throws IOException {
    TerminalSize resized = screen.doResizeIfNecessary();
    TerminalSize size = screen.getTerminalSize();
    int w = size.getColumns();
    int h = size.getRows();
    View v = model.view();
    Instant now = clock.instant();
    screen.clear();
    Painter p = new Painter(screen.newTextGraphics(), w);
    header(p, v);
    int top = 1;
    int bottom = Math.max(top, h - 2);
    switch (v.mode()) {
      case DASHBOARD -> dashboard(p, v, now, top, bottom);
      case DETAIL -> detail(p, v, now, top, bottom);
      case LOG -> log(p, v, top, bottom);
    }
    if (h >= 3) {
      v.notice().ifPresentOrElse(
          n -> p.line(h - 2, (n.error() ? "! " : "") + n.text(), n.error() ? theme.error() : theme.normal()),
          () -> p.line(h - 2, "", theme.normal()));
    }
    if (h >= 2) {
      footer(p, v, h - 1);
    }
    if (model.takeBells() > 0) {
      screen.getTerminal().bell();
    }
    screen.refresh(resized != null || redrawAll ? Screen.RefreshType.COMPLETE
        : Screen.RefreshType.DELTA);
    redrawAll = false;
    model.rendered(v);
    synchronized (frameLock) {
      frames++;
      frameLock.notifyAll();
    }
  }

  private void header(Painter p, View v) {
    long fresh = v.approvals().stream().filter(Approval::fresh).count();
    String left = " nemoclaw term │ " + plural(v.sandboxes().size(), "sandbox", "sandboxes")
        + " │ " + v.pending() + " pending";
    p.line(0, left, theme.header());
    if (fresh > 0) {
      String tag = " ● " + fresh + " NEW ";
      if (Text.width(left) + Text.width(tag) < p.width) {
        p.put(p.width - Text.width(tag), 0, tag, merge(theme.fresh(), theme.header(), true));
      }
    }
  }

  private void dashboard(Painter p, View v, Instant now, int top, int bottom) {
    int avail = bottom - top;
    if (avail <= 0) {
      return;
    }
    int sbRows = Math.clamp(v.sandboxes().size(), 1, Math.max(1, avail / 5));
    int sbHeight = Math.min(avail, 2 + sbRows);
    if (avail < 8) {
      sbHeight = 0; // a tiny terminal: only the inbox, which must never be pushed off screen
    }
    int rest = avail - sbHeight;
    // the inbox takes what it needs (at least 4 rows, at most ~55%); the live feed the rest
    int apHeight = Math.min(rest, Math.min(Math.max(5, v.pending() + 1), (rest * 11 + 19) / 20));
    int netHeight = rest - apHeight;
    if (netHeight < 2) {
      apHeight = rest;
      netHeight = 0;
    }
    int row = top;
    if (sbHeight > 0) {
      sandboxes(p, v, row, sbHeight);
      row += sbHeight;
    }
    approvals(p, v, now, row, apHeight);
    row += apHeight;
    if (netHeight > 0) {
      if (v.output().isEmpty()) {
        network(p, v, row, netHeight);
      } else {
        output(p, v, row, netHeight);
      }
    }
  }

  /** {@code run --tui}: the agent's own output where the network feed would be; newest last. */
  private void output(Painter p, View v, int row, int height) {
    title(p, row, "Agent output", "stderr marked !", false);
    int rows = height - 1;
    List<String> lines = v.output();
    int from = Math.max(0, lines.size() - rows);
    for (int i = 0; from + i < lines.size() && i < rows; i++) {
      String l = lines.get(from + i);
      p.line(row + 1 + i, " " + Text.fit(l, p.width - 1), l.startsWith("! ") ? theme.denied()
          : theme.normal());
    }
  }

  private void title(Painter p, int row, String text, String right, boolean focused) {
    Style s = focused ? theme.titleFocused() : theme.title();
    String t = (focused ? "▶ " : "─ ") + text + " ";
    String r = right.isEmpty() ? "" : " " + right + " ";
    int fill = Math.max(0, p.width - Text.width(t) - Text.width(r));
    p.line(row, t + "─".repeat(fill) + r, s);
  }

  private void sandboxes(Painter p, View v, int row, int height) {
    boolean focused = v.focus() == Pane.SANDBOXES;
    title(p, row, "Sandboxes (" + v.sandboxes().size() + ")", "", focused);
    int nameW = Math.clamp(p.width - 56, 8, 30);
    p.line(row + 1, "  " + Text.fit("NAME", nameW) + " " + right("UPTIME", 8) + " "
        + right("CPU", 6) + " " + right("MEM", 7) + " " + right("PIDS", 5) + " "
        + right("PENDING", 8) + "  STATE", theme.label());
    int rows = height - 2;
    if (rows <= 0) {
      return;
    }
    if (v.sandboxes().isEmpty()) {
      p.line(row + 2, "  No running sandboxes yet: start one with `nemoclaw run agent.yaml`"
          + " and it appears here.", theme.dim());
      return;
    }
    List<String> keys = v.sandboxes().stream().map(Sandbox::name).toList();
    int off = scroll(Pane.SANDBOXES, keys, v.selectedSandbox(), rows);
    for (int i = 0; i < rows && off + i < keys.size(); i++) {
      Sandbox s = v.sandboxes().get(off + i);
      boolean sel = v.selectedSandbox().equals(Optional.of(s.name()));
      String cpu = s.cpuPercent().isPresent()
          ? String.format("%.0f%%", s.cpuPercent().getAsDouble())
          : String.format("%.1fs", s.cpuSeconds());
      String state = (s.exitCode().isPresent() ? "exited " + s.exitCode().getAsInt() : "running")
          + (s.models().equals("-") ? "" : " · models " + s.models());
      String line = (sel ? "› " : "  ") + Text.fit(s.name(), nameW) + " "
          + right(StatusText.age(Duration.ofMillis(s.uptimeMs())), 8) + " " + right(cpu, 6) + " "
          + right(Text.bytes(s.memoryBytes()), 7) + " " + right(Long.toString(s.pids()), 5) + " "
          + right(s.pending() == 0 ? "-" : Integer.toString(s.pending()), 8) + "  " + state;
      Style st = s.pending() > 0 ? theme.fresh() : theme.normal();
      p.line(row + 2 + i, line, sel ? merge(st, focused ? theme.selected() : theme.selectedDim(),
          false) : st);
    }
  }

  private void approvals(Painter p, View v, Instant now, int row, int height) {
    boolean focused = v.focus() == Pane.APPROVALS;
    title(p, row, "Approvals (" + v.pending() + " pending)", "newest first · ↵ detail",
        focused);
    int rows = height - 1;
    if (rows <= 0) {
      return;
    }
    if (v.approvals().isEmpty()) {
      p.line(row + 1, "  Nothing waiting for you. New requests appear here, highlighted, with a"
          + " bell.", theme.dim());
      return;
    }
    int sbW = p.width >= 100 ? 16 : p.width >= 72 ? 12 : 10;
    int binW = p.width >= 100 ? 26 : p.width >= 72 ? 16 : 0;
    int fixed = 2 + 4 + sbW + 1 + 6 + 1 + 1 + (binW > 0 ? binW + 1 : 0) + 5 + 1 + 7;
    int targetW = Math.max(6, p.width - fixed);
    List<String> keys = v.approvals().stream().map(Approval::key).toList();
    int off = scroll(Pane.APPROVALS, keys, v.selectedApproval(), rows);
    for (int i = 0; i < rows && off + i < keys.size(); i++) {
      Approval a = v.approvals().get(off + i);
      boolean sel = v.selectedApproval().equals(Optional.of(a.key()));
      String target = (a.warning().isPresent() ? "⚠ " : "") + a.target()
          + a.request().map(r -> " " + r).orElse("");
      String when = a.deciding().map(d -> "→" + d)
          .orElseGet(() -> a.expiresAt().map(e -> expiry(e, now)).orElse(""));
      String line = (sel ? "› " : "  ") + (a.fresh() ? "NEW " : "    ") + Text.fit(a.sandbox(), sbW)
          + " " + Text.fit(kind(a.kind()), 6) + " " + Text.fit(target, targetW) + " "
          + (binW > 0 ? Text.fit(binary(a.binary(), binW), binW) + " " : "")
          + right("×" + a.hits(), 5) + " " + right(when, 7);
      Style st = a.warning().isPresent() ? theme.denied()
          : a.fresh() ? theme.fresh() : theme.normal();
      p.line(row + 1 + i, line, sel ? merge(st, focused ? theme.selected() : theme.selectedDim(),
          false) : st);
    }
  }

  private void network(Painter p, View v, int row, int height) {
    boolean focused = v.focus() == Pane.NETWORK;
    title(p, row, "Network", "live · last " + TermModel.FEED_LIMIT, focused);
    int rows = height - 1;
    if (v.network().isEmpty()) {
      if (rows > 0) {
        p.line(row + 1, "  No egress yet.", theme.dim());
      }
      return;
    }
    int sbW = p.width >= 100 ? 12 : 8;
    int binW = p.width >= 100 ? 22 : 10;
    int ruleW = p.width >= 100 ? 28 : 14;
    int fixed = 2 + 8 + 1 + 5 + 1 + sbW + 1 + 1 + binW + 1 + ruleW;
    int targetW = Math.max(6, p.width - fixed);
    List<String> keys = v.network().stream().map(Egress::key).toList();
    int off = scroll(Pane.NETWORK, keys, v.selectedEgress(), rows);
    ZoneId zone = clock.getZone();
    for (int i = 0; i < rows && off + i < keys.size(); i++) {
      Egress e = v.network().get(off + i);
      boolean sel = focused && v.selectedEgress().equals(Optional.of(e.key()));
      String target = e.host() + (e.port().isPresent() ? ":" + e.port().getAsInt() : "")
          + e.method().map(m -> " " + m).orElse("") + e.path().map(x -> " " + x).orElse("");
      String time = e.time().map(t -> HMS.format(t.atZone(zone))).orElse("");
      Style base = sel ? theme.selected() : theme.normal();
      int r = row + 1 + i;
      p.line(r, (sel ? "› " : "  ") + Text.fit(time, 8) + " " + Text.fit("", 5) + " "
          + Text.fit(e.sandbox(), sbW) + " " + Text.fit(target, targetW) + " "
          + Text.fit(binary(e.binary(), binW), binW) + " "
          + Text.fit(e.rule().or(() -> e.reason()).orElse(""), ruleW), base);
      p.put(11, r, e.allowed() ? "ALLOW" : "DENY ",
          merge(e.allowed() ? theme.allowed() : theme.denied(), base, false));
    }
  }

  private void detail(Painter p, View v, Instant now, int top, int bottom) {
    Optional<Approval> sel = v.approval();
    if (sel.isEmpty()) {
      p.line(top, "No approval selected.", theme.dim());
      return;
    }
    Approval a = sel.get();
    title(p, top, "Approval " + a.id() + " · sandbox " + a.sandbox() + " · " + a.kind(),
        "Esc back", true);
    ZoneId zone = clock.getZone();
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {"What", a.detail().orElse(a.kind() + " " + a.target()), theme.normal()});
    rows.add(new Object[] {"Where", a.target() + a.request().map(r -> "   " + r).orElse(""),
        theme.normal()});
    rows.add(new Object[] {"Asked by", a.binary().orElse("unknown binary")
        + (a.pid().isPresent() ? " (pid " + a.pid().getAsLong() + ")" : ""), theme.normal()});
    rows.add(new Object[] {"How often", a.hits() + (a.hits() == 1 ? " request" : " requests")
        + " held so far", theme.normal()});
    a.createdAt().ifPresent(c -> rows.add(new Object[] {"Asked at", HMS.format(c.atZone(zone))
        + " (" + StatusText.age(Duration.between(c, now)) + " ago)", theme.normal()}));
    a.expiresAt().ifPresent(e -> rows.add(new Object[] {"Expires",
        now.isBefore(e) ? "in " + StatusText.age(Duration.between(now, e)) + " ("
            + HMS.format(e.atZone(zone)) + "), then it is denied"
            : "now: denied unless decided", now.isBefore(e) ? theme.normal() : theme.error()}));
    rows.add(new Object[] {"Always adds", a.rule().orElse("(the sandbox did not say)"),
        theme.label()});
    a.warning().ifPresent(wn -> rows.add(new Object[] {"⚠ WARNING", wn
        + " — SSRF-class destination: decide it on its own.", theme.warning()}));
    a.deciding().ifPresent(d -> rows.add(new Object[] {"Status", "sending " + d + "…",
        theme.normal()}));
    int labelW = 12;
    int row = top + 1;
    for (Object[] r : rows) {
      List<String> lines = Text.wrap((String) r[1], Math.max(10, p.width - labelW - 2));
      for (int i = 0; i < lines.size() && row < bottom; i++, row++) {
        p.line(row, " " + Text.fit(i == 0 ? (String) r[0] : "", labelW) + " ", theme.label());
        p.put(labelW + 2, row, lines.get(i), (Style) r[2]);
      }
    }
    if (row + 1 < bottom) {
      p.line(row + 1, " o once · s session · a always (adds the rule above) · d deny · D deny always", theme.dim());
    }
  }

  private void log(Painter p, View v, int top, int bottom) {
    title(p, top, "Policy & log", "l back", true);
    int row = top + 1;
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"b", "An `always` on the selected approval would add:"});
    lines.add(new String[] {"n", "  " + v.approval().map(a -> a.sandbox() + ": "
        + a.rule().orElse("(no rule given)")).orElse("(no approval selected)")});
    lines.add(new String[] {"b", "Rules added from this terminal:"});
    if (v.rulesAdded().isEmpty()) {
      lines.add(new String[] {"d", "  (none yet)"});
    }
    v.rulesAdded().forEach(r -> lines.add(new String[] {"n", "  " + r}));
    lines.add(new String[] {"b", "Recent events (newest first):"});
    ZoneId zone = clock.getZone();
    for (LogLine l : v.log()) {
      lines.add(new String[] {"n", "  " + HMS.format(l.at().atZone(zone)) + "  " + l.text()});
    }
    for (String[] l : lines) {
      if (row >= bottom) {
        break;
      }
      p.line(row++, l[1], switch (l[0]) {
        case "b" -> theme.label();
        case "d" -> theme.dim();
        default -> theme.normal();
      });
    }
  }

  private record Key(String key, String label, int priority) {}

  private void footer(Painter p, View v, int row) {
    List<Key> keys = new ArrayList<>(List.of(new Key("o", "once", 0), new Key("s", "session", 0),
        new Key("a", "always", 0), new Key("d", "deny", 0), new Key("D", "deny always", 0)));
    switch (v.mode()) {
      case DASHBOARD -> {
        keys.add(new Key("Tab", "pane", 1));
        keys.add(new Key("↵", "detail", 1));
        keys.add(new Key("↑↓", "move", 3));
        keys.add(new Key("l", "log", 2));
      }
      case DETAIL -> {
        keys.add(new Key("Esc", "back", 1));
        keys.add(new Key("↑↓", "next", 3));
        keys.add(new Key("l", "log", 2));
      }
      case LOG -> keys.add(new Key("l", "back", 1));
    }
    keys.add(new Key("q", "quit", 0));
    for (int drop = 3; drop >= 1 && length(keys) > p.width; drop--) {
      int d = drop;
      keys.removeIf(k -> k.priority() == d);
    }
    p.line(row, "", theme.normal());
    int col = 0;
    for (Key k : keys) {
      if (col + Text.width(k.key()) + 2 > p.width) {
        break;
      }
      p.put(col, row, " " + k.key() + " ", theme.key());
      col += Text.width(k.key()) + 2;
      String label = Text.fit(k.label(), Math.min(Text.width(k.label()) + 1, p.width - col));
      p.put(col, row, label, theme.normal());
      col += Text.width(label);
    }
  }

  private static int length(List<Key> keys) {
    return keys.stream().mapToInt(k -> Text.width(k.key()) + 2 + Text.width(k.label()) + 1).sum();
  }

  // ---------------------------------------------------------------- helpers

  /** The first row to show so that the selection is visible, moving as little as possible. */
  private int scroll(Pane pane, List<String> keys, Optional<String> sel, int rows) {
    int off = offsets.getOrDefault(pane, 0);
    int i = sel.map(keys::indexOf).orElse(-1);
    if (i >= 0) {
      off = Math.min(off, i);
      off = Math.max(off, i - rows + 1);
    }
    off = Math.clamp(off, 0, Math.max(0, keys.size() - rows));
    offsets.put(pane, off);
    return off;
  }

  private static String expiry(Instant e, Instant now) {
    return now.isBefore(e) ? StatusText.age(Duration.between(now, e)) : "now";
  }

  /** The whole path when it fits, else its last element (the detail view has the whole). */
  private static String binary(Optional<String> path, int width) {
    String b = path.orElse("?");
    return Text.width(b) <= width ? b : b.substring(b.lastIndexOf('/') + 1);
  }

  private static String kind(String kind) {
    return kind.equals("escalation") ? "escal" : kind;
  }

  private static String right(String s, int w) {
    String c = Text.clean(s);
    return Text.width(c) >= w ? Text.fit(c, w) : " ".repeat(w - Text.width(c)) + c;
  }

  private static String plural(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  /** {@code over}'s colours where set, both styles' modifiers; {@code keepColours}: base wins. */
  private static Style merge(Style base, Style over, boolean keepColours) {
    EnumSet<SGR> sgr = EnumSet.noneOf(SGR.class);
    sgr.addAll(base.sgr());
    sgr.addAll(over.sgr());
    var d = com.googlecode.lanterna.TextColor.ANSI.DEFAULT;
    var fg = keepColours || over.fg() == d ? base.fg() : over.fg();
    var bg = keepColours ? (base.bg() == d ? over.bg() : base.bg())
        : over.bg() == d ? base.bg() : over.bg();
    return new Style(fg, bg, java.util.Set.copyOf(sgr));
  }

  /** Writes clipped, cleaned text in a style. */
  private static final class Painter {
    final TextGraphics g;
    final int width;

    Painter(TextGraphics g, int width) {
      this.g = g;
      this.width = width;
    }

    /** The whole row: text fitted to the width, padded, in one style. */
    void line(int row, String text, Style s) {
      put(0, row, Text.fit(text, width), s);
    }

    void put(int col, int row, String text, Style s) {
      if (col >= width) {
        return;
      }
      String t = Text.width(Text.clean(text)) > width - col ? Text.fit(text, width - col)
          : Text.clean(text);
      g.setForegroundColor(s.fg());
      g.setBackgroundColor(s.bg());
      g.clearModifiers();
      if (!s.sgr().isEmpty()) {
        g.enableModifiers(s.sgr().toArray(new SGR[0]));
      }
      g.putString(col, row, t);
    }
  }
}
