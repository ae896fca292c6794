package dev.nemoclaw.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Finds out what this host supports for sandboxes: runs every check concurrently, each bounded by
 * the same deadline, and folds the answers into {@link HostCapabilities}.
 *
 * <p>Checks run on virtual threads because some hosts hang on a plain {@code stat} (NFS, autofs):
 * a check that overstays is reported as timed out and abandoned, never waited for.
 */
public final class HostProbe {

  /** The check ids, in the order they are reported. */
  public static final List<String> CHECK_IDS =
      List.of("kernel", "userns", "landlock", "seccomp", "cgroups", "init", "docker", "nested");

  /** One check: its finding, plus the facts it establishes (applied only if it finished). */
  record Outcome(Finding finding, Consumer<Facts> facts) {
    static Outcome of(Finding finding) {
      return new Outcome(finding, f -> {});
    }
  }

  /** A named check body; package-private so tests can add one that misbehaves. */
  record Check(String id, Checks.Body body) {}

  /** Facts collected from finished checks; local to one probe run. */
  static final class Facts {
    boolean userns;
    int landlockAbi;
    boolean seccomp;
    CgroupMode cgroupMode = CgroupMode.NONE;
    boolean cgroupCreatable;
    boolean docker;
    Optional<String> nestedIn = Optional.empty();
  }

  private final HostView view;

  HostProbe(HostView view) {
    this.view = view;
  }

  /** Probes this host; never takes much longer than {@code perCheckTimeout}. */
  public static HostCapabilities probe(Duration perCheckTimeout) {
    return new HostProbe(HostView.live()).run(perCheckTimeout);
  }

  HostCapabilities run(Duration timeout) {
    return run(timeout, List.of());
  }

  HostCapabilities run(Duration timeout, List<Check> extra) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // not try-with-resources: close() would wait for a hung check, which is what we must not do
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try {
      Checks checks = new Checks(view, pool, timeout, deadline);
      List<Check> all = new ArrayList<>(checks.all());
      all.addAll(extra);
      Map<Check, Future<Outcome>> running = new LinkedHashMap<>();
      for (Check c : all) {
        running.put(c, pool.submit(() -> c.body().run()));
      }
      Facts facts = new Facts();
      List<Finding> findings = new ArrayList<>();
      for (var e : running.entrySet()) {
        Outcome o = await(e.getKey().id(), e.getValue(), deadline, timeout);
        o.facts().accept(facts);
        findings.add(o.finding());
      }
      return new HostCapabilities(info(), findings, facts.userns, facts.landlockAbi, facts.seccomp,
          facts.cgroupMode, facts.cgroupCreatable, facts.docker, facts.nestedIn);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Outcome await(String id, Future<Outcome> f, long deadline, Duration timeout) {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | CancellationException e) {
      f.cancel(true);
      return Outcome.of(timedOut(id, timeout));
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      return Outcome.of(Finding.of(id, Status.ERROR, "check failed: " + c,
          "this is a nemoclaw bug; please report it with the output of nemoclaw doctor"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.of(timedOut(id, timeout));
    }
  }

  static Finding timedOut(String id, Duration timeout) {
    return Finding.of(id, Status.ERROR, "timed out after " + human(timeout),
        "rerun with --timeout 10s; if it still hangs, look for a stuck NFS/autofs mount");
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private HostInfo info() {
    String kernel = view.read("/proc/sys/kernel/osrelease").map(String::strip)
        .filter(s -> !s.isEmpty()).orElse(System.getProperty("os.version", "unknown"));
    return new HostInfo(kernel, view.arch(), view.user(), view.isRoot());
  }
}
