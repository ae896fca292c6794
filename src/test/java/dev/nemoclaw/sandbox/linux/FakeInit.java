package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.host.Install;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Compiles the stand-in init (src/test/resources/.../fake-init.c) once per test JVM. */
final class FakeInit {
  private static Install install;

  private FakeInit() {}

  static synchronized Install install() throws IOException, InterruptedException {
    if (install != null) {
      return install;
    }
    Path dir = Files.createTempDirectory("nc-fake-init");
    Path src = dir.resolve("fake-init.c");
    try (InputStream in = FakeInit.class.getResourceAsStream("fake-init.c")) {
      Files.copy(in, src);
    }
    Path bin = dir.resolve("nemoclaw-init");
    Process cc = new ProcessBuilder("cc", "-O1", "-Wall", "-o", bin.toString(), src.toString())
        .inheritIO().start();
    if (cc.waitFor() != 0) {
      throw new IOException("cc failed to build the stand-in init");
    }
    install = new Install(dir, bin, dir, dir);
    return install;
  }
}
