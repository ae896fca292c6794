package dev.nemoclaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end through the real launcher: a tiny root filesystem (the host's dash and its
 * libraries, plus a marker file), given to {@code nemoclaw run} as an image four ways — taken
 * from the local Docker engine, as a `docker save` tar, as an OCI layout written here — and a
 * malicious tar that `image import` must refuse without leaving anything behind. The sandbox must
 * see the image's files and not the host's.
 */
class ImageIT {
  static final Path REPO = Path.of(System.getProperty("nemoclaw.repo", ".")).toAbsolutePath();
  static final String TAG = "nemoclaw-test-rootfs:1";
  /** Under target/, not /tmp: a root bound from a noexec mount could not run its /bin/sh. */
  static Path work;
  static Path rootfs;
  static boolean docker;

  record Result(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  @BeforeAll
  static void buildRootfs() throws Exception {
    Files.createDirectories(REPO.resolve("target"));
    work = Files.createTempDirectory(REPO.resolve("target"), "imageit-");
    rootfs = work.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.createDirectories(rootfs.resolve("etc"));
    Files.copy(Path.of("/bin/dash"), rootfs.resolve("bin/sh"));
    for (String lib : sh("ldd /bin/dash | grep -o '/[^ ]*'").stdout().split("\n")) {
      if (!lib.isBlank()) {
        Path to = rootfs.resolve(lib.substring(1));
        Files.createDirectories(to.getParent());
        Files.copy(Path.of(lib), to); // follows the host's symlink: the image gets the file
      }
    }
    Files.writeString(rootfs.resolve("etc/marker"), "from-the-image\n");
    docker = sh("docker info >/dev/null 2>&1").exit() == 0;
    if (docker) {
      Result imp = sh("tar -C '" + rootfs + "' -cf - . | docker import --change 'ENV PATH=/bin'"
          + " --change 'CMD [\"/bin/sh\",\"-c\",\"echo image-cmd\"]' - " + TAG);
      assertEquals(0, imp.exit(), imp::toString);
    }
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (docker) {
      sh("docker rmi -f " + TAG + " >/dev/null 2>&1");
    }
    if (work != null) {
      sh("rm -rf '" + work + "'");
    }
  }

  /** What the run prints: the marker, whether the host's /usr is visible, PATH. */
  static final String PROBE = "command: [sh, -c, 'read m < /etc/marker; echo \"marker=$m\";"
      + " if [ -e /usr/bin/env ]; then echo host-visible; else echo host-hidden; fi;"
      + " echo \"path=$PATH\"']\n";

  Path spec(String name, String image, String extra) throws IOException {
    Path f = work.resolve(name + ".yaml");
    Files.writeString(f, "apiVersion: nemoclaw.dev/v1\nname: " + name + "\nimage: " + image
        + "\nnetwork: {mode: none}\n" + extra);
    return f;
  }

  void assertSeesTheImage(Result r) {
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.stdout().contains("marker=from-the-image"), r::toString);
    assertTrue(r.stdout().contains("host-hidden"), r::toString);
    assertTrue(r.stdout().contains("path=/bin"), "PATH comes from the image: " + r);
  }

  @Test
  void dockerImageRunsOnTheNativeBackend() throws Exception {
    Assumptions.assumeTrue(docker, "no Docker engine answers");
    Result r = nemoclaw("run", spec("img-docker", "docker:" + TAG, PROBE).toString());
    assertSeesTheImage(r);
    // the image's own Cmd when the spec gives none; the second run exports nothing again
    Result cmd = nemoclaw("run", spec("img-docker-cmd", "docker:" + TAG, "").toString());
    assertEquals(0, cmd.exit(), cmd::toString);
    assertEquals("image-cmd\n", cmd.stdout(), cmd::toString);
    Result missing = nemoclaw("run", spec("img-missing", "docker:nemoclaw-test-absent:9", PROBE)
        .toString());
    assertEquals(125, missing.exit(), missing::toString);
    assertTrue(missing.stderr().contains("docker pull nemoclaw-test-absent:9"), missing::toString);
  }

  @Test
  void dockerSaveTarRunsAsOciPath() throws Exception {
    Assumptions.assumeTrue(docker, "no Docker engine answers");
    Path tar = work.resolve("saved.tar");
    Result save = sh("docker save -o '" + tar + "' " + TAG);
    assertEquals(0, save.exit(), save::toString);
    assertSeesTheImage(nemoclaw("run", spec("img-saved", "oci:saved.tar", PROBE).toString()));
  }

  @Test
  void ociLayoutWrittenHereRuns() throws Exception {
    byte[] layer = tarOf(rootfs);
    Layouts.writeDir(work.resolve("layout"), Layouts.oci(new Layouts.Config(List.of(),
        List.of("/bin/sh"), List.of("PATH=/bin"), "", "amd64"), List.of(layer),
        List.of(Layouts.gzip(layer)), ""));
    assertSeesTheImage(nemoclaw("run", spec("img-layout", "oci:layout", PROBE).toString()));
  }

  @Test
  void aMaliciousTarIsRefusedAndLeavesNothing() throws Exception {
    List<byte[]> layers = List.of(Layouts.layer(Layouts.file("etc/ok", "fine"),
        Layouts.symlink("up", "/"), Layouts.file("up/tmp/pwned", "x")));
    Path tar = Layouts.writeTar(work.resolve("evil.tar"), Layouts.dockerArchive(
        Layouts.Config.plain(), layers, "evil:1"));
    Result r = nemoclaw("image", "import", tar.toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.stderr().contains("'up/tmp/pwned'") && r.stderr().contains("symlink"),
        r::toString);
    Path images = home().resolve("state/images");
    String hex = Digest.of(Layouts.config(Layouts.Config.plain(), layers)).hex();
    assertFalse(Files.exists(images.resolve("sha256").resolve(hex)), "the refused image was kept");
    if (Files.isDirectory(images.resolve("tmp"))) {
      try (Stream<Path> s = Files.list(images.resolve("tmp"))) {
        assertEquals(List.of(), s.toList(), "a work dir was left behind");
      }
    }
    assertFalse(Files.exists(Path.of("/tmp/pwned")));
    Result ls = nemoclaw("image", "ls", "-o", "json");
    assertFalse(ls.stdout().contains("evil:1"), ls::toString);
  }

  @Test
  void importLsRm() throws Exception {
    Path layout = Layouts.ociDir(work.resolve("lsrm"), new Layouts.Config(List.of(),
        List.of("/bin/sh"), List.of("PATH=/bin"), "", "amd64"),
        Layouts.layer(Layouts.file("etc/lsrm", "1")));
    Result imp = nemoclaw("image", "import", layout.toString(), "--name", "lsrm:1");
    assertEquals(0, imp.exit(), imp::toString);
    String digest = imp.stdout().split(" ")[0];
    assertTrue(digest.startsWith("sha256:") && imp.stdout().contains("lsrm:1"), imp::toString);
    JsonNode ls = new ObjectMapper().readTree(nemoclaw("image", "ls", "-o", "json").stdout());
    JsonNode mine = null;
    for (JsonNode i : ls) {
      if (i.path("digest").asText().equals(digest)) {
        mine = i;
      }
    }
    assertTrue(mine != null && mine.path("names").toString().contains("lsrm:1"), ls::toString);
    assertTrue(mine.path("sizeBytes").asLong() > 0, mine::toString);
    Result text = nemoclaw("image", "ls");
    assertTrue(text.stdout().startsWith("NAME") && text.stdout().contains(digest.substring(7, 19)),
        text::toString);
    Result rm = nemoclaw("image", "rm", "lsrm:1");
    assertEquals(0, rm.exit(), rm::toString);
    assertTrue(rm.stdout().contains("deleted: " + digest), rm::toString);
    Result again = nemoclaw("image", "rm", "lsrm:1");
    assertEquals(1, again.exit(), again::toString);
  }

  static Path home() {
    return work.resolve("home");
  }

  static byte[] tarOf(Path dir) throws Exception {
    Path t = work.resolve("layer-" + System.nanoTime() + ".tar");
    Result r = sh("tar -C '" + dir + "' -cf '" + t + "' .");
    assertEquals(0, r.exit(), r::toString);
    return Files.readAllBytes(t);
  }

  static Result nemoclaw(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(REPO.resolve("nemoclaw").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    pb.environment().put("NEMOCLAW_HOME", home().toString());
    pb.environment().remove("CI");
    return run(pb);
  }

  static Result sh(String script) throws Exception {
    return run(new ProcessBuilder("sh", "-c", script));
  }

  private static Result run(ProcessBuilder pb) throws Exception {
    Path out = Files.createTempFile("img-out", ".txt");
    Path err = Files.createTempFile("img-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(pb.command() + " did not finish in 180s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
