package dev.nemoclaw.audit;

import static dev.nemoclaw.audit.AuditFixture.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed with SIGKILL while four threads append as fast as they can leaves a chain that
 * verifies, holding at least everything {@code sync()} had confirmed; the next writer goes on.
 */
class AuditCrashTest {
  @TempDir Path state;

  /** The child: appends from 4 threads; the main one syncs every 500 and says how far it got. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      AuditLog log = AuditLog.forSandbox(Path.of(args[0]), "agent");
      AuditWriter w = log.openWriter(KEY, AuditWriter.Options.defaults().withMaxFileBytes(1 << 20));
      for (int t = 0; t < 3; t++) {
        int id = t;
        Thread.ofPlatform().daemon().start(() -> {
          for (long i = 0; ; i++) {
            w.append(new AuditEvent.Network(Instant.now(), AuditEvent.Decision.DENIED,
                "bg" + id + "-" + i, 443, "/usr/bin/curl", "no rule matches"));
            if (i % 20 == 0) {
              // bursts, so a few seconds of this stay a few hundred MB short of filling the disk
              LockSupport.parkNanos(200_000);
            }
          }
        });
      }
      for (long i = 0; ; i++) {
        w.append(new AuditEvent.Network(Instant.now(), AuditEvent.Decision.ALLOWED,
            "main-" + i, 443, "/usr/bin/curl", "allowed"));
        if ((i + 1) % 500 == 0) {
          w.sync();
          System.out.println("durable " + (i + 1));
          System.out.flush();
        }
      }
    }
  }

  @Test
  void killDashNineMidWriteLeavesAVerifiableChain() throws Exception {
    AuditLog log = AuditLog.forSandbox(state, "agent");
    long previousRecords = 0;
    for (int round = 0; round < 3; round++) {
      long confirmed = runAndKill(300 + round * 250);
      Verification v = log.verify(KEY);
      int r = round;
      Verification.Intact ok = assertInstanceOf(Verification.Intact.class, v,
          () -> "round " + r + ": " + v);
      assertTrue(ok.records() > previousRecords);
      String marker = "\"main-" + (confirmed - 1) + "\"";
      Finder found = new Finder(marker);
      assertInstanceOf(Verification.Intact.class, Export.write(log, KEY, Export.Format.OCSF, found));
      assertTrue(found.lines > ok.records() / 2, "exported " + found.lines + " of " + ok.records());
      assertTrue(found.hits >= 1, "record main-" + (confirmed - 1) + " was confirmed by sync() but is gone");
      previousRecords = ok.records();
    }
    try (AuditWriter w = log.openWriter(KEY)) {
      w.append(AuditFixture.event(0));
    }
    Verification.Intact end = assertInstanceOf(Verification.Intact.class, log.verify(KEY));
    assertEquals(java.util.List.of(), end.notes());
  }

  /** Counts exported lines and those containing a string, without keeping them. */
  private static final class Finder extends java.io.OutputStream {
    private final String needle;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    long lines;
    long hits;

    Finder(String needle) {
      this.needle = needle;
    }

    @Override
    public void write(int b) {
      if (b == '\n') {
        lines++;
        if (line.toString(StandardCharsets.UTF_8).contains(needle)) {
          hits++;
        }
        line.reset();
      } else {
        line.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }
  }

  /**
   * Starts the child and kills it with SIGKILL {@code delayMillis} after its first confirmed sync,
   * mid-stream; returns how many main-thread events sync() had confirmed by then.
   */
  private long runAndKill(long delayMillis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), state.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    long confirmed = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      long deadline = 0;
      while ((line = r.readLine()) != null) {
        confirmed = Long.parseLong(line.substring("durable ".length()));
        if (deadline == 0) {
          deadline = System.nanoTime() + delayMillis * 1_000_000;
        } else if (System.nanoTime() >= deadline) {
          break;
        }
      }
      assertTrue(confirmed >= 1000, "the child stopped early at " + confirmed);
      p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close()
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, p.exitValue());
    } finally {
      p.destroyForcibly();
    }
    return confirmed;
  }
}
