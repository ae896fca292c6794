package dev.nemoclaw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.spec.AllowRule;
import dev.nemoclaw.spec.DenyRule;
import dev.nemoclaw.spec.HostPattern;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link PolicyStore} writer killed with SIGKILL at a random moment, mid-append or
 * mid-rollback, leaves a store that reads cleanly: every revision it confirmed is there as
 * written, the numbers have no gap, no file is partial, leftover temp files are ignored, and the
 * next writer goes on. Two writers at once, one killed: no number confirmed twice or lost.
 */
class PolicyStoreCrashTest {
  static final long SEED = Long.getLong("policy.seed", 20261123L);

  @TempDir Path state;

  /**
   * The child: appends revisions as fast as it can (one allow rule, sometimes a deny rule too,
   * every fifth a rollback to an earlier revision), printing {@code rev N append WRITER-I} or
   * {@code rev N rollback TO} after each one returned.
   */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      PolicyStore store = new PolicyStore(Path.of(args[0]));
      String writer = args[1];
      Random r = new Random(Long.parseLong(args[2]));
      for (int i = 0; ; i++) {
        Revision rev;
        String line;
        if (i % 5 == 4) {
          int to = r.nextInt(store.newest() + 1);
          rev = store.rollback(to, "crash", "cli");
          line = "rollback " + to;
        } else {
          String host = writer + "-" + i + ".example.com";
          List<DenyRule> deny = r.nextInt(3) == 0 ? List.of(new DenyRule(
              HostPattern.parse("*." + host), List.of(), List.of(), List.of(), List.of()))
              : List.of();
          rev = store.append(List.of(allow(host)), deny, "crash", "api", writer + "-" + i);
          line = "append " + writer + "-" + i;
        }
        System.out.println("rev " + rev.number() + " " + line);
        System.out.flush();
      }
    }
  }

  static AllowRule allow(String host) {
    return new AllowRule(HostPattern.parse(host), List.of(443), List.of(), List.of(), List.of(),
        false);
  }

  /** One running child and the lines it confirmed so far. */
  static final class Writer implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new ArrayBlockingQueue<>(1 << 16);
    final List<String> confirmed = new ArrayList<>();

    Writer(Path dir, String name, long seed) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      process = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
          System.getProperty("java.class.path"), Child.class.getName(), dir.toString(), name,
          Long.toString(seed)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Thread.ofVirtual().start(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
            process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.put(l);
          }
        } catch (IOException | InterruptedException e) {
          // the child died; what was read stays confirmed
        }
      });
    }

    /** Waits until this writer confirmed at least {@code n} revisions in all. */
    void awaitConfirmed(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (confirmed.size() < n) {
        String l = lines.poll(100, TimeUnit.MILLISECONDS);
        if (l != null) {
          confirmed.add(l);
        }
        assertTrue(System.nanoTime() < deadline && (l != null || process.isAlive()
            || !lines.isEmpty()), "the writer stopped at " + confirmed.size() + " revisions");
      }
    }

    /** SIGKILL (no shutdown hooks, no finally); what it printed before dying counts. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, process.exitValue());
      // lines already printed were confirmed before the kill: a store must hold them
      Thread.sleep(50);
      lines.drainTo(confirmed);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** Confirmations by revision number; a number confirmed twice fails. */
  static Map<Integer, String> byNumber(List<Writer> writers) {
    Map<Integer, String> out = new HashMap<>();
    for (Writer w : writers) {
      for (String l : w.confirmed) {
        String[] p = l.split(" ", 3);
        assertEquals("rev", p[0], l);
        String other = out.put(Integer.parseInt(p[1]), p[2]);
        assertEquals(null, other, () -> "revision " + p[1] + " confirmed twice: " + other
            + " and " + p[2]);
      }
    }
    return out;
  }

  /**
   * The store reads whole, holds every confirmed revision as it was confirmed, and its rules
   * follow from its history (each append adds, each rollback restores an earlier set).
   */
  static void assertIntact(PolicyStore store, Map<Integer, String> confirmed) throws IOException {
    List<Revision> history = store.history(); // throws on a partial file or a gap
    for (int i = 0; i < history.size(); i++) {
      assertEquals(i + 1, history.get(i).number());
    }
    int newest = history.size();
    assertEquals(newest, store.newest());
    for (Map.Entry<Integer, String> e : confirmed.entrySet()) {
      int n = e.getKey();
      assertTrue(n <= newest, "revision " + n + " was confirmed but the newest is " + newest);
      Revision rev = history.get(n - 1);
      String[] what = e.getValue().split(" ");
      if (what[0].equals("rollback")) {
        int to = Integer.parseInt(what[1]);
        assertEquals(to, rev.rollbackTo().orElse(-1), () -> "revision " + n);
        assertEquals(to == 0 ? RuleSet.EMPTY : history.get(to - 1).rules(), rev.rules());
      } else {
        assertEquals(what[1], rev.reason(), () -> "revision " + n);
        assertTrue(rev.rules().allowRules().contains(allow(what[1] + ".example.com")));
      }
    }
    for (Revision rev : history) {
      RuleSet before = rev.number() == 1 ? RuleSet.EMPTY : history.get(rev.number() - 2).rules();
      if (rev.rollbackTo().isPresent()) {
        int to = rev.rollbackTo().getAsInt();
        assertEquals(to == 0 ? RuleSet.EMPTY : history.get(to - 1).rules(), rev.rules());
      } else {
        assertEquals(before.allow().size() + rev.added().allow().size(),
            rev.rules().allow().size(), () -> "revision " + rev.number());
        assertTrue(rev.rules().allow().containsAll(before.allow()));
      }
    }
  }

  static List<Path> tempFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  @Test
  void killDashNineMidAppendLeavesAStoreThatReadsWhole() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = state.resolve("policies/crash");
    PolicyStore store = new PolicyStore(dir);
    Map<Integer, String> confirmed = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      int after = 20 + rnd.nextInt(60);
      try (Writer w = new Writer(dir, "r" + round, rnd.nextLong())) {
        w.awaitConfirmed(after);
        // and a random moment after that, mid-write more often than not
        Thread.sleep(rnd.nextInt(40));
        w.kill();
        Map<Integer, String> mine = byNumber(List.of(w));
        for (Integer n : mine.keySet()) {
          assertTrue(!confirmed.containsKey(n), "revision " + n + " confirmed in two rounds");
        }
        confirmed.putAll(mine);
      }
      int r = round;
      try {
        assertIntact(store, confirmed);
      } catch (AssertionError | IOException e) {
        throw new AssertionError("round " + r + " (seed " + SEED + "): " + e.getMessage(), e);
      }
    }
    // what a crash between the temp file and the rename leaves, partial or whole: ignored
    int newest = store.newest();
    Files.writeString(dir.resolve("." + PolicyStore.fileName(newest + 1) + ".1234.tmp"),
        "{\"format\" : 1, \"revision\" : " + (newest + 1) + ", \"ti");
    Files.write(dir.resolve("." + PolicyStore.fileName(newest + 1) + ".5678.tmp"), new byte[0]);
    assertIntact(store, confirmed);
    assertTrue(tempFiles(dir).size() >= 2);
    Revision next = store.append(List.of(allow("after.example.com")), List.of(), "test", "cli",
        "after the crash");
    assertEquals(newest + 1, next.number());
    assertEquals(next, store.latest().orElseThrow());
    Revision back = store.rollback(0, "test");
    assertEquals(newest + 2, back.number());
    assertEquals(RuleSet.EMPTY, store.current());
    assertIntact(store, confirmed);
  }

  @Test
  void twoWritersOneKilledLoseAndDuplicateNothing() throws Exception {
    Random rnd = new Random(SEED + 1);
    Path dir = state.resolve("policies/two");
    PolicyStore store = new PolicyStore(dir);
    try (Writer a = new Writer(dir, "a", rnd.nextLong());
        Writer b = new Writer(dir, "b", rnd.nextLong())) {
      a.awaitConfirmed(15 + rnd.nextInt(20));
      b.awaitConfirmed(15 + rnd.nextInt(20));
      Writer victim = rnd.nextBoolean() ? a : b;
      Writer survivor = victim == a ? b : a;
      Thread.sleep(rnd.nextInt(30));
      victim.kill(); // possibly holding the lock, or mid-rename
      // the survivor goes on past the victim's death: the lock died with it
      survivor.awaitConfirmed(survivor.confirmed.size() + 15);
      survivor.kill();
      Map<Integer, String> confirmed = byNumber(List.of(a, b));
      assertTrue(a.confirmed.size() >= 15 && b.confirmed.size() >= 15);
      assertIntact(store, confirmed);
      // each writer's own confirmations are in increasing order: the lock serialised them
      for (Writer w : List.of(a, b)) {
        int last = 0;
        for (String l : w.confirmed) {
          int n = Integer.parseInt(l.split(" ")[1]);
          assertTrue(n > last, l + " after revision " + last);
          last = n;
        }
      }
    }
    int newest = store.newest();
    assertEquals(newest + 1, store.append(List.of(allow("z.example.com")), List.of(), "test",
        "cli", "after").number());
    store.history();
  }
}
