package dev.nemoclaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTest {
  @TempDir Path runtime;
  Registry registry;
  ControlServer server;

  @BeforeEach
  void setUp() {
    registry = Registry.at(runtime);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  Registry.Entry serve(String name) throws IOException {
    server = ControlServer.start(registry.socketFor(name), new FakeTarget(name));
    return new Registry.Entry(name, ProcessHandle.current().pid(),
        ProcessHandle.current().info().startInstant().orElse(Instant.now()).plusSeconds(1),
        "native", registry.socketFor(name));
  }

  /** A pid that no process has: one that ran and was reaped. */
  static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  @Test
  void registerWritesTheEntryAndCloseRemovesIt() throws Exception {
    Registry.Entry e = serve("hello");
    try (Registry.Registration r = registry.register(e)) {
      Path json = registry.dir().resolve("hello.json");
      assertTrue(Files.exists(json));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(json)));
      assertEquals("rwx------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(registry.dir())));
      var n = Lines.JSON.readTree(json.toFile());
      assertEquals(1, n.path("version").asInt());
      assertEquals(e.socket().toString(), n.path("socket").asText());
      assertEquals(List.of(e), registry.live());
      assertEquals(Optional.of(e), registry.find("hello"));
    }
    assertFalse(Files.exists(registry.dir().resolve("hello.json")));
    assertFalse(Files.exists(registry.socketFor("hello")));
    assertEquals(List.of(), registry.live());
  }

  @Test
  void liveNameIsRefused() throws Exception {
    Registry.Entry e = serve("busy");
    try (var r = registry.register(e)) {
      Registry.Entry other = new Registry.Entry("busy", ProcessHandle.current().pid() + 100_000,
          Instant.now(), "native", registry.socketFor("busy"));
      var ex = assertThrows(Registry.NameInUseException.class, () -> registry.register(other));
      assertEquals(e, ex.holder());
      assertTrue(ex.getMessage().contains("already running"), ex.getMessage());
      assertEquals(List.of(e), registry.live(), "the live entry is untouched");
    }
  }

  @Test
  void entryOfADeadPidIsSweptAndReplaced() throws Exception {
    Registry.Entry dead = new Registry.Entry("gone", deadPid(), Instant.now(), "native",
        registry.socketFor("gone"));
    ControlServer.privateDir(registry.dir());
    Files.write(registry.dir().resolve("gone.json"), Registry.toJson(dead));
    assertEquals(Optional.empty(), registry.find("gone"));
    assertFalse(Files.exists(registry.dir().resolve("gone.json")), "swept");

    Files.write(registry.dir().resolve("gone.json"), Registry.toJson(dead));
    Registry.Entry e = serve("gone");
    try (var r = registry.register(e)) {
      assertEquals(List.of(e), registry.live());
    }
  }

  @Test
  void reusedPidIsStale() throws Exception {
    // our own pid, but the entry claims a start long before this JVM existed
    Registry.Entry e = serve("reused");
    Registry.Entry old = new Registry.Entry("reused", e.pid(), Instant.parse("2001-01-01T00:00:00Z"),
        "native", e.socket());
    Files.write(registry.dir().resolve("reused.json"), Registry.toJson(old));
    assertEquals(List.of(), registry.live());
  }

  @Test
  void entryWhoseSocketRefusesIsStale() throws Exception {
    Registry.Entry e = serve("quiet");
    registry.register(e);
    server.close();
    // the supervisor died before removing its entry; a dead socket file stays too
    try (var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(e.socket()));
    }
    assertTrue(Files.exists(registry.dir().resolve("quiet.json")));
    assertEquals(List.of(), registry.live());
    assertFalse(Files.exists(registry.dir().resolve("quiet.json")));
    assertFalse(Files.exists(e.socket()));
  }

  @Test
  void crashLeftFilesAreSweptNotBelieved() throws Exception {
    ControlServer.privateDir(registry.dir());
    Path garbage = registry.dir().resolve("broken.json");
    Files.writeString(garbage, "{\"name\":\"broken\",\"pid\":");
    Path tmp = registry.dir().resolve(".half.json.123.tmp");
    Files.writeString(tmp, "{");
    Path wrongName = registry.dir().resolve("liar.json");
    Files.write(wrongName, Registry.toJson(new Registry.Entry("other", ProcessHandle.current().pid(),
        Instant.now(), "native", registry.socketFor("other"))));
    Path orphan = registry.dir().resolve("orphan.sock");
    try (var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(orphan));
    }
    assertEquals(List.of(), registry.live());
    assertTrue(Files.exists(garbage), "fresh unreadable files are left a while");
    FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
    for (Path p : List.of(garbage, tmp, wrongName, orphan)) {
      Files.setLastModifiedTime(p, old);
    }
    assertEquals(List.of(), registry.live());
    for (Path p : List.of(garbage, tmp, wrongName, orphan)) {
      assertFalse(Files.exists(p), p + " swept");
    }
  }

  @Test
  void namesAreNotPaths() {
    assertThrows(IllegalArgumentException.class, () -> registry.socketFor("../etc"));
    assertThrows(IllegalArgumentException.class, () -> new Registry.Entry("A/b", 1, Instant.now(),
        "native", Path.of("/x")));
    assertEquals(Optional.empty(), registry.find("../../etc/passwd"));
  }

  @Test
  void noDirectoryMeansNothingRuns() {
    assertEquals(List.of(), Registry.at(runtime.resolve("missing")).live());
  }
}
