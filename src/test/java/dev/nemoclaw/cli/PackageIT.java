package dev.nemoclaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.host.HostDirs;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code packaging/jpackage/build.sh}: the .deb is installed on this machine with
 * dpkg, used the way a user does (from outside the checkout, with a fresh NEMOCLAW_HOME, as
 * root and as nobody) and purged again, whatever happens; the .rpm is checked with {@code rpm -qpl}. The packages are
 * reused when they are newer than the jar, the init and the packaging files, else built (a few
 * minutes). Needs root and dpkg (CI machines are throwaway); skipped otherwise, and on a machine
 * that has a nemoclaw package installed already, which it would replace.
 */
@Tag("e2e")
class PackageIT {
  static final Path PACKAGES = Cli.REPO.resolve("target/packages");
  static final String NEMOCLAW = "/usr/bin/nemoclaw";
  static final Path INIT = Path.of("/opt/nemoclaw/lib/app/lib/nemoclaw-init");
  static Path deb;
  static Path rpm;

  record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  static Result sh(Path dir, Map<String, String> env, long timeoutSeconds, String... cmd)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().remove("CI");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("pkg-out", ".txt");
    Path err = Files.createTempFile("pkg-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(
            String.join(" ", cmd) + " did not finish in " + timeoutSeconds + "s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Result sh(String... cmd) throws IOException, InterruptedException {
    return sh(Cli.REPO, Map.of(), 120, cmd);
  }

  static boolean onPath(String tool) throws IOException, InterruptedException {
    return sh("sh", "-c", "command -v " + tool).exit() == 0;
  }

  /** The package in target/packages whose name matches, or null (build.sh leaves one of each). */
  private static Path find(String glob) throws IOException {
    try (Stream<Path> s = Files.list(PACKAGES)) {
      var matcher = PACKAGES.getFileSystem().getPathMatcher("glob:" + glob);
      return s.filter(p -> matcher.matches(p.getFileName())).findFirst().orElse(null);
    }
  }

  /** Whether {@code pkg} exists and is newer than everything it is made of. */
  private static boolean fresh(Path pkg) throws IOException {
    if (pkg == null) {
      return false;
    }
    long built = Files.getLastModifiedTime(pkg).toMillis();
    for (String input : List.of("target/nemoclaw.jar", "target/native/nemoclaw-init",
        "packaging/jvm.sh", "packaging/jpackage/launcher.sh", "packaging/jpackage/build.sh",
        "packaging/jpackage/resources/nemoclaw.spec", "packaging/jpackage/resources/control")) {
      if (Files.getLastModifiedTime(Cli.REPO.resolve(input)).toMillis() > built) {
        return false;
      }
    }
    return true;
  }

  @BeforeAll
  static void packages() throws Exception {
    Assumptions.assumeTrue(HostDirs.isRoot(), "not root: installing a .deb needs root");
    Assumptions.assumeTrue(onPath("dpkg") && onPath("dpkg-deb"), "no dpkg: not a Debian host");
    Assumptions.assumeFalse(sh("sh", "-c",
        "dpkg-query -W -f='${Status}' nemoclaw 2>/dev/null | grep -q ' installed$'").exit() == 0,
        "a nemoclaw package is installed here already; remove it (dpkg -r nemoclaw) to run this");
    if (Files.isDirectory(PACKAGES)) {
      deb = find("nemoclaw_*.deb");
      rpm = find("nemoclaw-*.rpm");
    }
    if (!fresh(deb) || !fresh(rpm)) {
      Result r = sh(Cli.REPO, Map.of(), 1200,
          Cli.REPO.resolve("packaging/jpackage/build.sh").toString());
      assertEquals(0, r.exit(), r::toString);
      deb = find("nemoclaw_*.deb");
      rpm = find("nemoclaw-*.rpm");
    }
    assertTrue(deb != null && rpm != null, "build.sh made no .deb or .rpm in " + PACKAGES);
  }

  @Test
  void rpmIsWellFormed() throws Exception {
    Result r = sh("rpm", "-qpl", rpm.toString());
    assertEquals(0, r.exit(), r::toString);
    for (String f : List.of(NEMOCLAW, INIT.toString(), "/opt/nemoclaw/lib/app/nemoclaw.aot",
        "/opt/nemoclaw/lib/app/nemoclaw-cli.aot",
        "/opt/nemoclaw/lib/runtime/bin/java", "/opt/nemoclaw/lib/app/profiles/seccomp/default.json",
        "/opt/nemoclaw/lib/app/presets/npm.yaml", "/usr/share/man/man1/nemoclaw-run.1.gz",
        "/usr/share/bash-completion/completions/nemoclaw")) {
      assertTrue(r.stdout().lines().anyMatch(f::equals), () -> "the .rpm lacks " + f + "\n" + r);
    }
    Result req = sh("rpm", "-qpR", rpm.toString());
    assertEquals(0, req.exit(), req::toString);
    assertFalse(req.stdout().contains("seccomp"), "the init is static: " + req);
  }

  @Test
  void installedDebRunsFromOutsideTheCheckout() throws Exception {
    // Removed on any failure, and should the test JVM be stopped midway.
    Thread remove = new Thread(() -> {
      try {
        sh("dpkg", "--purge", "nemoclaw");
      } catch (Exception e) {
        // reported by the assertions below when the test itself gets there
      }
    });
    Runtime.getRuntime().addShutdownHook(remove);
    Path dir = Files.createTempDirectory("nemoclaw-pkg");
    try {
      Result install = sh(Cli.REPO, Map.of("DEBIAN_FRONTEND", "noninteractive"), 300,
          "dpkg", "-i", deb.toString());
      assertEquals(0, install.exit(), install::toString);
      assertTrue(Files.isSymbolicLink(Path.of(NEMOCLAW)), NEMOCLAW + " is not a link");
      // the init is root's and nobody else may change it
      assertEquals("root", Files.getOwner(INIT).getName());
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(INIT);
      assertFalse(perms.contains(PosixFilePermission.GROUP_WRITE)
          || perms.contains(PosixFilePermission.OTHERS_WRITE), perms::toString);
      assertTrue(perms.contains(PosixFilePermission.OTHERS_EXECUTE), perms::toString);
      assertTrue(sh("dpkg", "-S", "/usr/bin/nemoclaw").stdout().startsWith("nemoclaw:"),
          "dpkg does not know /usr/bin/nemoclaw");

      Files.copy(Cli.REPO.resolve("examples/hello/agent.yaml"), dir.resolve("agent.yaml"));
      Path home = Files.createDirectory(dir.resolve("home"));
      Map<String, String> env = Map.of("NEMOCLAW_HOME", home.toString());

      Result run = sh(dir, env, 120, NEMOCLAW, "run", "agent.yaml");
      assertEquals(0, run.exit(), run::toString);
      assertTrue(run.stdout().contains("hello from hello"), run::toString);
      assertTrue(run.stdout().contains("NoNewPrivs:\t1"), run::toString);
      // The AOT caches trained at package time still match the installed jars (AOTMode=on: the
      // JVM refuses to start without the cache the launcher names), the run's and the others'.
      Map<String, String> aot = Map.of("NEMOCLAW_HOME", home.toString(),
          "NEMOCLAW_JVM_DEBUG", "-XX:AOTMode=on");
      Result cached = sh(dir, aot, 120, NEMOCLAW, "run", "agent.yaml");
      assertEquals(0, cached.exit(), cached::toString);
      Result cachedHelp = sh(dir, aot, 60, NEMOCLAW, "--help");
      assertEquals(0, cachedHelp.exit(), cachedHelp::toString);

      // rootless: as nobody, in a directory and home nobody may use
      sh("chmod", "-R", "a+rwX", dir.toString());
      List<String> nobody = new ArrayList<>(Cli.ROOTLESS);
      nobody.addAll(List.of("env", "NEMOCLAW_HOME=" + dir.resolve("nobody"), "HOME=" + dir,
          NEMOCLAW, "run", "agent.yaml"));
      Result rootless = sh(dir, Map.of(), 120, nobody.toArray(String[]::new));
      assertEquals(0, rootless.exit(), rootless::toString);
      assertTrue(rootless.stdout().contains("uid=1000 gid=1000"), rootless::toString);

      Result doctor = sh(dir, env, 120, NEMOCLAW, "doctor", "-o", "json");
      assertTrue(doctor.exit() == 0 || doctor.exit() == 1, doctor::toString);
      assertTrue(doctor.stdout().contains(INIT.toString()), doctor::toString);

      Result help = sh(dir, env, 60, NEMOCLAW, "--help");
      assertEquals(0, help.exit(), help::toString);
      assertTrue(help.stdout().contains("\n  run "), help::toString);
      Result version = sh(dir, env, 60, NEMOCLAW, "--version");
      assertEquals(0, version.exit(), version::toString);
      assertTrue(version.stdout().startsWith("nemoclaw "), version::toString);
      Result completion = sh(dir, env, 60, NEMOCLAW, "completion", "bash");
      assertEquals(0, completion.exit(), completion::toString);
      assertTrue(completion.stdout().contains("complete -F"), completion::toString);
      assertTrue(Files.isRegularFile(Path.of("/usr/share/bash-completion/completions/nemoclaw")));
      assertTrue(Files.isRegularFile(Path.of("/usr/share/zsh/vendor-completions/_nemoclaw")));

      if (onPath("man")) {
        Result man = sh("man", "-w", "nemoclaw-run");
        assertEquals("/usr/share/man/man1/nemoclaw-run.1.gz", man.stdout().strip(), man::toString);
      } else {
        assertTrue(Files.isRegularFile(Path.of("/usr/share/man/man1/nemoclaw-run.1.gz")));
      }
    } finally {
      sh("dpkg", "--purge", "nemoclaw");
      Runtime.getRuntime().removeShutdownHook(remove);
      sh("rm", "-rf", dir.toString());
    }
    assertFalse(Files.exists(Path.of(NEMOCLAW), LinkOption.NOFOLLOW_LINKS),
        "dpkg --purge left " + NEMOCLAW);
    assertFalse(Files.exists(INIT), "dpkg --purge left " + INIT);
  }
}
