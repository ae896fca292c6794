package dev.nemoclaw.cli;

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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real launcher, the real kernel: {@code ./nemoclaw doctor -o json}, as root and not. */
@Tag("e2e")
class DoctorIT {
  static final List<String> IDS =
      List.of("kernel", "userns", "landlock", "seccomp", "cgroups", "init", "docker", "nested");
  static final Set<String> STATUSES = Set.of("ok", "warn", "missing", "error");

  private static Path repo() {
    return Path.of(System.getProperty("nemoclaw.repo", "."));
  }

  record Run(int exit, String stdout, String stderr) {}

  private static Run run(List<String> prefix) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of("./nemoclaw", "doctor", "-o", "json"));
    Path err = Files.createTempFile("doctor", ".err");
    // as nobody, from the world-readable copy: the checkout may sit in a 0700 home
    Path dir = prefix.isEmpty() ? repo() : Cli.rootlessCopy();
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectError(err.toFile());
    // the jar was just packaged; the launcher must not start a nested build
    pb.environment().put("NEMOCLAW_SKIP_BUILD", "1");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "doctor did not finish");
    String stderr = Files.readString(err);
    Files.delete(err);
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), stderr);
  }

  private static JsonNode checkShape(Run r) throws IOException {
    assertTrue(r.exit() == 0 || r.exit() == 1, "exit " + r.exit() + "; stderr: " + r.stderr());
    JsonNode n = new ObjectMapper().readTree(r.stdout());
    assertEquals(1, n.path("version").asInt());
    for (String f : List.of("kernel", "arch", "user")) {
      assertFalse(n.path("host").path(f).asText().isBlank(), "host." + f);
    }
    List<String> ids = new ArrayList<>();
    for (JsonNode c : n.path("checks")) {
      ids.add(c.path("id").asText());
      String status = c.path("status").asText();
      assertTrue(STATUSES.contains(status), c.toString());
      assertFalse(c.path("detail").asText().isBlank(), c.toString());
      assertEquals(status.equals("ok"), c.path("fix").isNull(), c.toString());
    }
    assertEquals(IDS, ids);
    String sandbox = n.path("summary").path("sandbox").asText();
    assertTrue(Set.of("full", "degraded", "unavailable").contains(sandbox), sandbox);
    assertTrue(Set.of("on", "off").contains(n.path("summary").path("limits").asText()));
    assertEquals(sandbox.equals("full") ? 0 : 1, r.exit(), "exit follows summary.sandbox");
    return n;
  }

  @Test
  void doctorPrintsEveryCheckAsJson() throws Exception {
    JsonNode n = checkShape(run(List.of()));
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    assertEquals(root, n.path("host").path("root").asBoolean());
  }

  @Test
  void doctorWorksRootless() throws Exception {
    boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    Assumptions.assumeTrue(root && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv to drop to nobody");
    JsonNode n = checkShape(run(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "env", "HOME=/tmp")));
    assertFalse(n.path("host").path("root").asBoolean());
  }
}
