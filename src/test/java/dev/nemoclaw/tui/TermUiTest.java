package dev.nemoclaw.tui;

import static dev.nemoclaw.tui.Events.JSON;
import static dev.nemoclaw.tui.Events.T0;
import static dev.nemoclaw.tui.Events.approval;
import static dev.nemoclaw.tui.Events.egress;
import static dev.nemoclaw.tui.Events.newApproval;
import static dev.nemoclaw.tui.Events.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import com.googlecode.lanterna.terminal.virtual.VirtualTerminalListener;
import dev.nemoclaw.control.ControlTarget.ControlError;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real screens on Lanterna's virtual terminal, over a fake feed. */
class TermUiTest {
  static final Duration WAIT = Duration.ofSeconds(5);

  final FakeFeed feed = new FakeFeed();
  final AtomicInteger bells = new AtomicInteger();
  final ExecutorService decider = Executors.newVirtualThreadPerTaskExecutor();
  DefaultVirtualTerminal vt;
  TermUi ui;
  Thread loop;
  final List<Throwable> crashed = new ArrayList<>();

  void start(int cols, int rows, boolean color) throws Exception {
    vt = new DefaultVirtualTerminal(new TerminalSize(cols, rows));
    vt.addVirtualTerminalListener(new VirtualTerminalListener() {
      @Override
      public void onFlush() {}

      @Override
      public void onBell() {
        bells.incrementAndGet();
      }

      @Override
      public void onClose() {}

      @Override
      public void onResized(Terminal terminal, TerminalSize newSize) {}
    });
    // a fixed clock a few seconds after the approvals' createdAt: countdowns are deterministic
    Clock clock = Clock.fixed(T0.plusSeconds(10), ZoneOffset.UTC);
    ui = new TermUi(new TerminalScreen(vt), feed, new TermModel(clock), clock, Theme.of(color),
        decider);
    loop = Thread.ofPlatform().name("ui").start(() -> {
      try {
        ui.run();
      } catch (Throwable t) {
        synchronized (crashed) {
          crashed.add(t);
        }
      }
    });
    assertTrue(feed.started.await(5, TimeUnit.SECONDS));
    assertTrue(ui.awaitFrameAfter(0, WAIT), "a first frame");
  }

  @AfterEach
  void stop() throws Exception {
    if (ui != null) {
      ui.quit();
      assertTrue(ui.awaitStopped(WAIT));
      loop.join(5000);
      assertTrue(feed.closed, "the feed is closed on the way out");
    }
    decider.close();
    synchronized (crashed) {
      assertTrue(crashed.isEmpty(), () -> "the UI thread failed: " + crashed);
    }
  }

  String row(int r) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < vt.getTerminalSize().getColumns(); c++) {
      b.append(vt.getCharacter(c, r).getCharacterString());
    }
    return b.toString();
  }

  String screen() {
    StringBuilder b = new StringBuilder();
    for (int r = 0; r < vt.getTerminalSize().getRows(); r++) {
      b.append(row(r)).append('\n');
    }
    return b.toString();
  }

  int rowWith(String text) {
    for (int r = 0; r < vt.getTerminalSize().getRows(); r++) {
      if (row(r).contains(text)) {
        return r;
      }
    }
    throw new AssertionError("no row shows " + text + ":\n" + screen());
  }

  TextCharacter at(int row, String text) {
    return vt.getCharacter(row(row).indexOf(text), row);
  }

  /** Emits one event and returns once the next frame is drawn. */
  void emitAndDraw(ObjectNode event) throws Exception {
    long f = ui.frames();
    feed.emit(event);
    assertTrue(ui.awaitFrameAfter(f, WAIT), "a frame after the event");
  }

  void press(KeyStroke k) throws Exception {
    long f = ui.frames();
    ui.key(k);
    assertTrue(ui.awaitFrameAfter(f, WAIT), "a frame after the key");
  }

  void press(char c) throws Exception {
    press(new KeyStroke(c, false, false));
  }

  /** Waits (frame by frame) until the screen shows what {@code ok} wants. */
  void await(Predicate<String> ok, String what) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    while (!ok.test(screen())) {
      long f = ui.frames();
      if (System.nanoTime() > end || !ui.awaitFrameAfter(f, Duration.ofMillis(500))) {
        if (ok.test(screen())) {
          return;
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("screen never showed " + what + ":\n" + screen());
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"80,24", "120,40"})
  void aNewApprovalAppearsHighlightedInTheNextFrameWithABell(int cols, int rows) throws Exception {
    start(cols, rows, true);
    assertTrue(screen().contains("No running sandboxes yet"), this::screen);
    emitAndDraw(up("hello"));
    assertTrue(screen().contains("Nothing waiting for you"), this::screen);
    int before = bells.get();

    emitAndDraw(newApproval(approval("hello", "a1", "api.example.com", 1)));

    int r = rowWith("api.example.com:443");
    assertTrue(row(r).contains("NEW"), row(r));
    TextCharacter c = at(r, "api.example.com");
    assertTrue(c.getModifiers().contains(SGR.BOLD), c::toString);
    assertEquals(TextColor.ANSI.YELLOW_BRIGHT, c.getForegroundColor());
    assertTrue(c.getModifiers().contains(SGR.REVERSE), "and selected: " + c);
    assertEquals(before + 1, bells.get(), "the terminal bell rang once");
    assertTrue(row(0).contains("1 pending") && row(0).contains("1 NEW"), row(0));
    assertTrue(row(rowWith("hello")).contains("running"), screen());
    // every decision key is on screen, in the footer
    String footer = row(rows - 1);
    for (String k : List.of(" o once", " s session", " a always", " d deny", " D deny always",
        " q quit")) {
      assertTrue(footer.contains(k), () -> "footer lacks" + k + ": " + footer);
    }
  }

  @Test
  void pressingODecidesTheSelectedApprovalOnceAndShowsTheOutcome() throws Exception {
    start(80, 24, true);
    emitAndDraw(up("hello", approval("hello", "a1", "api.example.com", 1)));
    press('o');
    assertEquals("hello/a1/once", feed.decisions.poll(5, TimeUnit.SECONDS));
    await(s -> s.contains("✓ hello: api.example.com:443 → once (by tester via tui)"), "the outcome");
    await(s -> s.contains("Nothing waiting for you"), "an empty inbox");
    assertEquals(null, feed.decisions.poll(200, TimeUnit.MILLISECONDS), "exactly one decision");
  }

  @ParameterizedTest
  @CsvSource({"s,session", "a,always", "d,deny", "D,deny-always"})
  void eachDecisionHasItsOneKey(char key, String verdict) throws Exception {
    start(80, 24, true);
    emitAndDraw(up("hello", approval("hello", "a1", "api.example.com", 1)));
    press(key);
    assertEquals("hello/a1/" + verdict, feed.decisions.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void alreadyDecidedElsewhereIsShown() throws Exception {
    start(80, 24, true);
    feed.refuse = new ControlError("already_decided", "already decided",
        JSON.createObjectNode().put("by", "bob").put("channel", "cli").put("verdict", "session"));
    emitAndDraw(up("hello", approval("hello", "a1", "api.example.com", 1)));
    press('o');
    assertEquals("hello/a1/once", feed.decisions.poll(5, TimeUnit.SECONDS));
    await(s -> s.contains("already decided by bob via cli (session)"), "who decided it");
    int r = rowWith("already decided by bob");
    assertEquals(TextColor.ANSI.RED_BRIGHT, at(r, "already").getForegroundColor());
  }

  @Test
  void enterShowsTheDetailWithTheRuleAndTheSsrfWarningInRed() throws Exception {
    start(80, 24, true);
    ObjectNode a = approval("hello", "a1", "169.254.169.254", 1).put("port", 80)
        .put("method", "GET").put("path", "/latest/meta-data/").put("hits", 3)
        .put("warning", "cloud metadata address")
        .put("rule", "{host: 169.254.169.254, ports: [80]}");
    emitAndDraw(up("hello", a));
    press(new KeyStroke(KeyType.Enter));
    String s = screen();
    assertTrue(s.contains("Approval a1 · sandbox hello · egress"), s);
    assertTrue(s.contains("/usr/bin/curl (pid 12)"), s);
    assertTrue(s.contains("3 requests held so far"), s);
    assertTrue(s.contains("in 51s (12:01:01), then it is denied"), s);
    assertTrue(s.contains("GET /latest/meta-data/"), s);
    assertTrue(s.contains("{host: 169.254.169.254, ports: [80]}"), s);
    int w = rowWith("cloud metadata address");
    TextCharacter c = at(w, "cloud");
    assertEquals(TextColor.ANSI.RED, c.getBackgroundColor(), c::toString);
    assertTrue(row(23).contains(" Esc back"), row(23));
    press(new KeyStroke(KeyType.Escape));
    assertTrue(screen().contains("Approvals (1 pending)"), this::screen);
  }

  @Test
  void resizeReLaysOutTheScreen() throws Exception {
    start(80, 24, true);
    emitAndDraw(up("hello", approval("hello", "a1", "api.example.com", 1)));
    String footer = row(23);
    assertTrue(footer.contains(" q quit"), footer);
    long f = ui.frames();
    vt.setTerminalSize(new TerminalSize(120, 40));
    assertTrue(ui.awaitFrameAfter(f, WAIT));
    await(s -> row(39).contains(" q quit"), "the footer on the last row");
    assertTrue(row(39).contains(" ↑↓ move"), "the wider footer has room for all keys: " + row(39));
    assertTrue(row(0).stripTrailing().length() <= 120);
    assertFalse(screen().contains("…"), "nothing needs cutting at 120 columns:\n" + screen());
    f = ui.frames();
    vt.setTerminalSize(new TerminalSize(60, 12));
    assertTrue(ui.awaitFrameAfter(f, WAIT));
    await(s -> row(11).contains(" q quit"), "the footer on the last row");
    assertTrue(screen().contains("api.example.com"), screen());
  }

  @Test
  void longValuesAreCutWithAnEllipsisAndEscapesNeverReachTheTerminal() throws Exception {
    start(80, 24, true);
    String host = "a-very-long-subdomain-name-that-goes-on.and-on.example.com\u001b[2J";
    emitAndDraw(up("hello", approval("hello", "a1", host, 1)));
    int r = rowWith("a-very-long");
    assertTrue(row(r).contains("…"), row(r));
    assertFalse(screen().contains("\u001b"), "no escape character on screen");
    emitAndDraw(egress("hello", "deny", "pastebin.com\u0007", 80));
    assertTrue(screen().contains("pastebin.com?"), this::screen);
  }

  @Test
  void networkFeedShowsAllowedAndDenied() throws Exception {
    start(80, 24, true);
    emitAndDraw(up("hello"));
    emitAndDraw(egress("hello", "allow", "api.github.com", 443));
    emitAndDraw(egress("hello", "deny", "pastebin.com", 80));
    int deny = rowWith("pastebin.com:80 GET /raw/x");
    int allow = rowWith("api.github.com:443");
    assertTrue(deny < allow, "newest first");
    assertEquals(TextColor.ANSI.RED_BRIGHT, at(deny, "DENY").getForegroundColor());
    assertEquals(TextColor.ANSI.GREEN, at(allow, "ALLOW").getForegroundColor());
    assertTrue(row(deny).contains("12:00:05"), row(deny));
  }

  @Test
  void noColorUsesReverseAndBoldOnly() throws Exception {
    start(80, 24, false);
    emitAndDraw(up("hello", approval("hello", "a1", "one.example", 1)));
    emitAndDraw(newApproval(approval("hello", "a2", "two.example", 2)));
    emitAndDraw(egress("hello", "deny", "pastebin.com", 80));
    for (int r = 0; r < 24; r++) {
      for (int c = 0; c < 80; c++) {
        TextCharacter ch = vt.getCharacter(c, r);
        assertEquals(TextColor.ANSI.DEFAULT, ch.getForegroundColor(), "fg at " + c + "," + r);
        assertEquals(TextColor.ANSI.DEFAULT, ch.getBackgroundColor(), "bg at " + c + "," + r);
      }
    }
    TextCharacter selected = at(rowWith("one.example"), "one.example");
    assertTrue(selected.getModifiers().contains(SGR.REVERSE), selected::toString);
    TextCharacter fresh = at(rowWith("two.example"), "two.example");
    assertTrue(fresh.getModifiers().contains(SGR.BOLD), fresh::toString);
    assertTrue(row(rowWith("two.example")).contains("NEW"));
    assertTrue(at(rowWith("pastebin"), "DENY").getModifiers().contains(SGR.BOLD));
  }

  @Test
  void tabMovesFocusAndArrowsMoveWithinThePane() throws Exception {
    start(80, 24, true);
    emitAndDraw(up("alpha", approval("alpha", "a1", "one.example", 1)));
    emitAndDraw(up("beta", approval("beta", "b1", "two.example", 2)));
    assertTrue(screen().contains("▶ Approvals"), this::screen);
    press(new KeyStroke(KeyType.Tab));
    assertTrue(screen().contains("▶ Network"), this::screen);
    press(new KeyStroke(KeyType.Tab));
    assertTrue(screen().contains("▶ Sandboxes"), this::screen);
    press('j');
    assertTrue(row(rowWith("beta ")).startsWith("› beta"), this::screen);
    press(new KeyStroke(KeyType.Enter));
    assertTrue(screen().contains("▶ Approvals"), this::screen);
    assertTrue(row(rowWith("two.example")).startsWith("›"), this::screen);
    press('d');
    assertEquals("beta/b1/deny", feed.decisions.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void logViewShowsTheRuleAndRecentEvents() throws Exception {
    start(80, 24, true);
    emitAndDraw(up("hello", approval("hello", "a1", "one.example", 1)));
    press('a');
    assertEquals("hello/a1/always", feed.decisions.poll(5, TimeUnit.SECONDS));
    await(s -> s.contains("✓ hello"), "the outcome");
    press('l');
    String s = screen();
    assertTrue(s.contains("Policy & log"), s);
    assertTrue(s.contains("hello: allow {host: one.example, ports: [443]}"), s);
    assertTrue(s.contains("hello: one.example:443 → always (by tester via tui)"), s);
    assertTrue(s.contains("hello: up"), s);
  }

  @Test
  void qQuitsAndRestoresTheTerminal() throws Exception {
    start(80, 24, true);
    ui.key(new KeyStroke('q', false, false));
    assertTrue(ui.awaitStopped(WAIT));
    loop.join(5000);
    assertFalse(loop.isAlive());
    assertNotNull(vt);
  }

  @Test
  void ctrlCQuits() throws Exception {
    start(80, 24, true);
    ui.key(new KeyStroke('c', true, false));
    assertTrue(ui.awaitStopped(WAIT));
  }
}
