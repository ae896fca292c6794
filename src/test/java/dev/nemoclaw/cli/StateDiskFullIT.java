package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.host.DiskFull;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.policy.PolicyStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory's disk is full (issue 13): every write there fails closed with a message
 * naming the file or directory and saying to free space; nothing already stored is damaged, no
 * temp file stays, and once there is space again the next write follows on. The full disk is
 * real: a 4 MiB tmpfs mounted as NEMOCLAW_HOME/state and filled with a ballast file. Needs no
 * network beyond the sandbox's own proxy (no TestNet).
 */
class StateDiskFullIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path work;

  @BeforeAll
  static void rootOnly() throws Exception {
    assumeTrue(HostDirs.isRoot(), "mounting a tmpfs needs root");
    TestNet.readableBySandbox(work);
  }

  /** NEMOCLAW_HOME with a 4 MiB tmpfs as its state dir; {@link #unmount} undoes it. */
  static Path home(String name) throws Exception {
    Path home = work.resolve(name);
    Path state = Files.createDirectories(home.resolve("state"));
    sh("mount", "-t", "tmpfs", "-o", "size=4m", "nemoclaw-test-statefull", state.toString());
    return home;
  }

  static void unmount(Path home) throws Exception {
    sh("umount", "-l", home.resolve("state").toString());
  }

  /** Fills the disk under {@code home}'s state dir to the last byte; returns the ballast file. */
  static Path fill(Path home) {
    Path ballast = home.resolve("state/ballast");
    try (OutputStream o = Files.newOutputStream(ballast)) {
      byte[] chunk = new byte[64 << 10];
      while (true) {
        o.write(chunk);
      }
    } catch (IOException full) {
      assertTrue(DiskFull.is(full), full.toString());
    }
    return ballast;
  }

  static Map<String, String> env(Path home) {
    return Map.of("NEMOCLAW_HOME", home.toString());
  }

  static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static List<Integer> history(Path home, String name) throws Exception {
    Cli.Result h = Cli.run(env(home), null, "policy", "history", name, "-o", "json");
    assertEquals(0, h.exit(), h::toString);
    List<Integer> out = new java.util.ArrayList<>();
    JSON.readTree(h.stdout()).forEach(r -> out.add(r.path("revision").asInt()));
    return out;
  }

  @Test
  void aRevisionThatDoesNotFitFailsCleanlyAndTheNextOneFollowsOn() throws Exception {
    Path home = home("rollback");
    try {
      Path state = home.resolve("state");
      PolicyStore store = PolicyStore.forSandbox(state, "full");
      store.append(List.of(ApprovalRequest.alwaysRule("one.test", 80)), List.of(), "t", "cli", "1");
      store.append(List.of(ApprovalRequest.alwaysRule("two.test", 80)), List.of(), "t", "cli", "2");
      Path ballast = fill(home);

      // the CLI: one line naming the revision file, what happened and what to do; exit 1
      Cli.Result rb = Cli.run(env(home), null, "policy", "rollback", "full", "--to", "1");
      assertEquals(1, rb.exit(), rb::toString);
      Path rev3 = store.dir().resolve("rev-000003.json");
      assertEquals(List.of("nemoclaw policy rollback: cannot write " + rev3 + ": the disk is full"
          + " (No space left on device); free space on it and try again"),
          rb.stderr().lines().filter(l -> l.startsWith("nemoclaw")).toList(), rb::toString);
      // the library: the same as a DiskFull naming the file, for approvals too
      DiskFull e = assertInstanceOf(DiskFull.class, assertThrows(IOException.class,
          () -> store.append(List.of(ApprovalRequest.alwaysRule("three.test", 80)), List.of(),
              "t", "api", "3")));
      assertEquals(rev3, e.where());

      // what was stored stays readable, and no temp file stays
      assertEquals(List.of(".lock", "rev-000001.json", "rev-000002.json"), names(store.dir()));
      assertEquals(List.of(1, 2), history(home, "full"));
      Cli.Result show = Cli.run(env(home), null, "policy", "show", "full");
      assertEquals(0, show.exit(), show::toString);
      assertTrue(show.stdout().contains("revision 2 of 2") && show.stdout().contains("two.test"),
          show::toString);

      // space again: the next revision is 3, no gap, no duplicate
      Files.delete(ballast);
      Cli.Result again = Cli.run(env(home), null, "policy", "rollback", "full", "--to", "1");
      assertEquals(0, again.exit(), again::toString);
      assertTrue(again.stdout().contains("full: revision 3 restores revision 1"), again::toString);
      assertEquals(List.of(1, 2, 3), history(home, "full"));
      Cli.Result now = Cli.run(env(home), null, "policy", "show", "full");
      assertTrue(now.stdout().contains("revision 3 of 3") && now.stdout().contains("one.test")
          && !now.stdout().contains("two.test"), now::toString);
    } finally {
      unmount(home);
    }
  }

  @Test
  void aRunOnAFullStateDiskDoesNotStartAndLeavesNothingBehind() throws Exception {
    Path home = home("run");
    try {
      Path spec = work.resolve("fullrun.yaml");
      Files.writeString(spec, """
          apiVersion: nemoclaw.dev/v1
          name: fullrun
          command: [sh, -c, "echo AGENT-RAN"]
          network: {mode: proxy, unknown: deny}
          """);
      Path ballast = fill(home);
      Cli.Result r = Cli.run(env(home), null, "run", "--ci", spec.toString());
      assertEquals(125, r.exit(), r::toString);
      assertFalse(r.stdout().contains("AGENT-RAN"), r::toString);
      assertTrue(r.stderr().contains("nemoclaw: cannot write the audit log of fullrun: the disk"
          + " holding " + home.resolve("state") + " is full (No space left on device)")
          && r.stderr().contains("free space there and run again"), r::toString);
      // no registry entry or socket, no run dir, no cgroup
      Path registry = home.resolve("run/sandboxes");
      if (Files.isDirectory(registry)) {
        List<String> left = names(registry);
        assertTrue(left.stream().noneMatch(n -> n.startsWith("fullrun")), left::toString);
      }
      assertFalse(Files.exists(home.resolve("state/runs/fullrun")));
      assertEquals("", cgroups("fullrun"));

      // space again: the run starts, and its audit log verifies
      Files.delete(ballast);
      Cli.Result ok = Cli.run(env(home), null, "run", "--ci", spec.toString());
      assertEquals(0, ok.exit(), ok::toString);
      assertTrue(ok.stdout().contains("AGENT-RAN"), ok::toString);
      Cli.Result verify = Cli.run(env(home), null, "audit", "verify", "fullrun");
      assertEquals(0, verify.exit(), verify::toString);
    } finally {
      unmount(home);
    }
  }

  /**
   * An operator approves a held request with {@code always} while the state disk is full: the
   * decision fails with the reason, nothing is decided (the request stays held, as when any
   * store write fails), and after freeing space the same decision stores revision 1.
   */
  @Test
  void anAlwaysApprovalThatCannotBeStoredLeavesTheRequestHeld() throws Exception {
    Path home = home("approve");
    try {
      Path spec = work.resolve("fullask.yaml");
      Files.writeString(spec, """
          apiVersion: nemoclaw.dev/v1
          name: fullask
          command: [sh, -c, "curl -s --max-time 50 -o /dev/null -w 'status %{http_code}' http://held.test:8080/x; echo"]
          network: {mode: proxy, unknown: ask, approvalTimeout: 50s}
          """);
      Bg bg = Bg.start(env(home), work, "run", spec.toString());
      JsonNode item = pending(home);
      String id = item.path("id").asText();
      Thread.sleep(500); // the held event reaches the audit log before the disk fills
      Path ballast = fill(home);

      Cli.Result no = Cli.run(env(home), null, "approvals", "approve", id, "--scope", "always");
      assertEquals(1, no.exit(), no::toString);
      Path rev1 = home.resolve("state/policies/fullask/rev-000001.json");
      assertEquals(List.of("nemoclaw: cannot decide " + id + ": could not store the rule, so"
          + " nothing was decided (" + id + " is still pending): cannot write " + rev1 + ": the"
          + " disk is full (No space left on device); free space on it and try again"
          + " (persist_failed)"), no.stderr().lines().toList(), no::toString);
      assertEquals(id, pending(home).path("id").asText());
      assertFalse(bg.stdout().contains("status"), bg::stdout);
      assertEquals(List.of(".lock"), names(rev1.getParent()));

      Files.delete(ballast);
      Cli.Result yes = Cli.run(env(home), null, "approvals", "approve", id, "--scope", "always");
      assertEquals(0, yes.exit(), yes::toString);
      assertEquals(0, bg.waitFor(), bg::stderr);
      assertEquals(List.of(1), history(home, "fullask"));
    } finally {
      unmount(home);
    }
  }

  /** The first pending approval (fails after 20 s). */
  static JsonNode pending(Path home) throws Exception {
    return Cli.pendingApprovals(env(home), items -> !items.isEmpty(), 20).get(0);
  }

  /** Cgroups named for sandbox {@code name}, one per line (empty: none). */
  static String cgroups(String name) throws Exception {
    Process p = new ProcessBuilder("find", "/sys/fs/cgroup", "-maxdepth", "6", "-type", "d",
        "-name", "nemoclaw-" + name + "-*").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return out;
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertEquals(0, p.waitFor(), String.join(" ", cmd));
  }
}
