package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The escape suite: tests/escape/probe tries every break-out of issue 3 from inside a real
 * sandbox, as root and rootless; each attempt must fail, for the reason asserted here.
 */
class EscapeIT {
  static final Path PROBE_DIR = Cli.REPO.resolve("target/escape");
  static final String SECRET = "probe-secret-value";

  /** Attempt → the outcomes that prove it was stopped by a protection (not by accident). */
  static final Map<String, Set<String>> EXPECTED = new LinkedHashMap<>();

  static {
    Set<String> roWrite = Set.of("EROFS", "EACCES", "EPERM");
    Set<String> denied = Set.of("EPERM");
    Set<String> deniedOrMissing = Set.of("EPERM", "ENOSYS");
    for (String a : List.of("write-root", "mkdir-root", "write-usr", "write-etc", "write-bin",
        "write-proc-sys", "write-sys")) {
      EXPECTED.put(a, roWrite);
    }
    // masked (absent) or refused
    EXPECTED.put("sysrq-trigger", Set.of("ENOENT", "EROFS", "EACCES", "EPERM"));
    EXPECTED.put("write-proc-self-exe", Set.of("ETXTBSY", "EACCES", "EPERM"));
    EXPECTED.put("read-root-home", Set.of("ENOENT", "empty"));
    EXPECTED.put("read-home", Set.of("ENOENT", "empty"));
    EXPECTED.put("hardlink-out", Set.of("EXDEV", "EPERM", "EACCES"));
    EXPECTED.put("symlink-out", Set.of("ENOENT"));
    EXPECTED.put("raw-device", Set.of("ENOENT", "EACCES", "EPERM"));
    EXPECTED.put("mknod", Set.of("EPERM", "EACCES"));
    for (String a : List.of("mount", "umount", "chroot", "pivot-root", "fsopen", "open-tree",
        "unshare-user", "unshare-net", "clone-newuser", "setns", "ptrace-pid1", "ptrace-sibling",
        "process-vm-readv")) {
      EXPECTED.put(a, denied);
    }
    // the profile answers EIO, as the kernel does with dev.tty.legacy_tiocsti=0; on stdin
    // (/dev/null here) an unfiltered ioctl would say ENOTTY, so EIO proves the filter matched,
    // high bits included (CVE-2019-10063)
    for (String a : List.of("tiocsti", "tiocsti-high-bits", "tioclinux")) {
      EXPECTED.put(a, Set.of("EIO", "EPERM"));
    }
    // uid 0 does not exist inside the user namespace (EINVAL), or the call is refused
    EXPECTED.put("setuid-root", Set.of("EINVAL", "EPERM"));
    for (String a : List.of("bpf", "perf-event-open", "keyctl", "io-uring", "userfaultfd",
        "init-module", "finit-module", "kexec")) {
      EXPECTED.put(a, deniedOrMissing);
    }
    for (String a : List.of("raw-socket", "raw6-socket", "packet-socket", "netlink-socket",
        "vsock")) {
      EXPECTED.put(a, Set.of("EPERM", "EACCES", "EAFNOSUPPORT"));
    }
    for (String a : List.of("tcp-out", "udp-out", "tcp6-out")) {
      EXPECTED.put(a, Set.of("ENETUNREACH", "EACCES", "EPERM"));
    }
    EXPECTED.put("dns", Set.of("*"));
    EXPECTED.put("host-loopback", Set.of("ECONNREFUSED", "EACCES"));
    EXPECTED.put("abstract-unix", Set.of("ECONNREFUSED", "EPERM"));
    EXPECTED.put("inherited-fds", Set.of("only 0-2 open"));
    EXPECTED.put("pid1-fds", Set.of("EACCES"));
    EXPECTED.put("proxy-host-loopback", Set.of("403 from the proxy"));
    EXPECTED.put("env-secret", Set.of("absent"));
    EXPECTED.put("capabilities", Set.of("no capabilities"));
    EXPECTED.put("fill-tmp", Set.of("ENOSPC"));
    EXPECTED.put("fork-bomb", Set.of("EAGAIN"));
    EXPECTED.put("memory-bomb", Set.of("killed by signal 9"));
  }

  /** Without cgroup delegation a rootless run has no limits (doctor says so): no bombs there. */
  static final Set<String> NEEDS_LIMITS = Set.of("fork-bomb", "memory-bomb");

  static Path work;
  static ServerSocket hostService;
  static Process abstractListener;
  static String abstractName;

  @BeforeAll
  static void hostSide() throws Exception {
    assertTrue(Files.isExecutable(PROBE_DIR.resolve("probe")), "probe not built");
    work = Files.createTempDirectory("nc-escape");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    hostService = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    abstractName = "nemoclaw-escape-" + UUID.randomUUID();
    abstractListener = new ProcessBuilder("python3", "-c", "import socket,time\n"
        + "s=socket.socket(socket.AF_UNIX)\ns.bind('\\0" + abstractName + "')\ns.listen()\n"
        + "time.sleep(600)").start();
  }

  @AfterAll
  static void cleanUp() throws IOException {
    hostService.close();
    abstractListener.destroyForcibly();
  }

  /** A spec running the probe, with a workspace owned by the host uid the sandbox maps to. */
  static Path spec(String name, int hostUid, Path probeDir) throws Exception {
    Path dir = Files.createDirectories(work.resolve(name));
    Path ws = Files.createDirectories(dir.resolve("ws"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(ws.resolve("evil"), dir.resolve("host-secret"));
    Files.writeString(dir.resolve("host-secret"), SECRET);
    new ProcessBuilder("chown", "-R", hostUid + ":" + hostUid, ws.toString()).start().waitFor();
    Path f = dir.resolve("agent.yaml");
    Files.writeString(f, """
        apiVersion: nemoclaw.dev/v1
        name: %s
        command: [/probe/probe]
        mounts:
          - {source: %s, target: /probe}
          - {source: ./ws, target: /sandbox, mode: rw}
        tmpfs: [{target: /tmp, size: 16Mi}]
        resources: {memory: 128Mi, pids: 64, timeout: 5m}
        network: {mode: proxy, unknown: deny}
        """.formatted(name, probeDir));
    return f;
  }

  static Map<String, String> probe(Path spec, List<String> prefix, List<String> attempts,
      String... runOptions) throws Exception {
    Map<String, String> env = Map.of("NEMOCLAW_PROBE_SECRET", SECRET,
        "NEMOCLAW_HOME", work.resolve("home-" + spec.getParent().getFileName()).toString());
    List<String> args = new ArrayList<>(List.of("run", "-e", "PROBE_SYMLINK=/sandbox/evil",
        "-e", "PROBE_RW=/sandbox"));
    args.addAll(List.of(runOptions));
    args.addAll(List.of(spec.toString(), "--", "/probe/probe"));
    for (String a : attempts) {
      args.add(switch (a) {
        case "host-loopback", "proxy-host-loopback" -> a + "=" + hostService.getLocalPort();
        case "abstract-unix" -> a + "=" + abstractName;
        default -> a;
      });
    }
    Cli.Result r = Cli.run(env, prefix, args.toArray(String[]::new));
    Map<String, String> results = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^(blocked|ESCAPED) ([a-z0-9-]+): (.*)$").matcher(r.stdout());
    while (m.find()) {
      results.put(m.group(2), m.group(1) + ": " + m.group(3));
    }
    assertEquals(attempts.size(), results.size(), () -> "not every attempt reported\n" + r);
    return results;
  }

  static void assertAllBlocked(Map<String, String> results) {
    List<String> failures = new ArrayList<>();
    results.forEach((attempt, result) -> {
      Set<String> ok = EXPECTED.get(attempt);
      boolean good = result.startsWith("blocked: ") && (ok.contains("*")
          || ok.stream().anyMatch(reason -> result.substring(9).startsWith(reason)));
      if (!good) {
        failures.add(attempt + " → " + result + " (expected one of " + ok + ")");
      }
    });
    if (!failures.isEmpty()) {
      fail("escapes or blocked for the wrong reason:\n  " + String.join("\n  ", failures));
    }
  }

  @Test
  void asRootEveryEscapeFails() throws Exception {
    Path f = spec("escape-root", 1000, PROBE_DIR);
    Map<String, String> results = probe(f, null, List.copyOf(EXPECTED.keySet()));
    assertAllBlocked(results);
    Matcher forks = Pattern.compile("after (\\d+) forks").matcher(results.get("fork-bomb"));
    assertTrue(forks.find() && Integer.parseInt(forks.group(1)) < 64, results.get("fork-bomb"));
    Matcher mib = Pattern.compile("after (\\d+) MiB").matcher(results.get("fill-tmp"));
    assertTrue(mib.find() && Integer.parseInt(mib.group(1)) <= 16, results.get("fill-tmp"));
  }

  /** The same attempts in the same spec on backend docker: the engine's container plus our init. */
  @Test
  void onDockerEveryEscapeFails() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    Path f = spec("escape-docker", 1000, PROBE_DIR);
    Map<String, String> results = probe(f, null, List.copyOf(EXPECTED.keySet()),
        "--backend", "docker");
    assertAllBlocked(results);
    Matcher forks = Pattern.compile("after (\\d+) forks").matcher(results.get("fork-bomb"));
    assertTrue(forks.find() && Integer.parseInt(forks.group(1)) < 64, results.get("fork-bomb"));
  }

  @Test
  void rootlessEveryEscapeFails() throws Exception {
    Path f = spec("escape-rootless", 65534,
        Cli.rootlessCopy().resolve("target/escape"));
    Files.createDirectories(work.resolve("home-escape-rootless"));
    new ProcessBuilder("chown", "65534:65534", work.resolve("home-escape-rootless").toString())
        .start().waitFor();
    List<String> attempts = EXPECTED.keySet().stream()
        .filter(a -> !NEEDS_LIMITS.contains(a)).toList();
    assertAllBlocked(probe(f, Cli.ROOTLESS, attempts));
  }

  @Test
  void theAgentSeesWhatTheContractPromises() throws Exception {
    assertHelloContract(Cli.run("run", "examples/hello/agent.yaml"));
  }

  @Test
  void onDockerTheAgentSeesExactlyWhatItSeesNatively() throws Exception {
    Assumptions.assumeTrue(Docker.available(), Docker::why);
    Cli.Result docker = Cli.run("run", "--backend", "docker", "examples/hello/agent.yaml");
    assertHelloContract(docker);
    assertEquals(Cli.run("run", "examples/hello/agent.yaml").stdout(), docker.stdout());
  }

  static void assertHelloContract(Cli.Result r) {
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("uid=1000 gid=1000"), r::toString);
    assertTrue(r.stdout().matches("(?s).*CapEff:\\s+0000000000000000.*"), r::toString);
    assertTrue(r.stdout().matches("(?s).*NoNewPrivs:\\s+1.*"), r::toString);
    assertTrue(r.stdout().matches("(?s).*Seccomp:\\s+2.*"), r::toString);
    assertTrue(r.stdout().matches("(?s).*landlock: [1-9].*"), r::toString);
    assertTrue(r.stdout().contains("interfaces: lo \n"), r::toString);
  }
}
