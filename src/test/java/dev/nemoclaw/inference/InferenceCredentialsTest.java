package dev.nemoclaw.inference;

import static dev.nemoclaw.inference.InferenceGatewayTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.fake.FakeModel;
import dev.nemoclaw.host.HostDirs;
import dev.nemoclaw.spec.Provider;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys from the environment or a private credentials file, read at request time. */
class InferenceCredentialsTest {
  static final long ME = new com.sun.security.auth.module.UnixSystem().getUid();
  @TempDir Path dir;

  Path file(String content, String mode) throws Exception {
    Path f = dir.resolve("credentials");
    Files.writeString(f, content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void aFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path f = file("KEY_A=secret-a\n", "rw-r--r--");
    HostCredentials c = new HostCredentials(n -> null, f, ME);
    CredentialsException e = assertThrows(CredentialsException.class, () -> c.lookup("KEY_A"));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600 " + f), e.getMessage());
    assertTrue(e.getMessage().contains("0644"), e.getMessage());
    assertFalse(e.getMessage().contains("secret-a"));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    assertThrows(CredentialsException.class, () -> c.lookup("KEY_A"), "group-readable");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertEquals(Optional.of("secret-a"), c.lookup("KEY_A"));
  }

  @Test
  void aFileOwnedBySomeoneElseIsRefused() throws Exception {
    Path f = file("KEY_A=secret-a\n", "rw-------");
    CredentialsException e = assertThrows(CredentialsException.class,
        () -> new HostCredentials(n -> null, f, ME + 1).lookup("KEY_A"));
    assertTrue(e.getMessage().contains("not by you"), e.getMessage());
  }

  @Test
  void thePrivateFileIsReadAndReReadWhenItChanges() throws Exception {
    Path f = file("""
        # keys for nemoclaw
        KEY_A=secret-a

        export KEY_B="secret b"
        KEY_C='c=with=equals'
        """, "rw-------");
    HostCredentials c = new HostCredentials(n -> null, f, ME);
    assertEquals(Optional.of("secret-a"), c.lookup("KEY_A"));
    assertEquals(Optional.of("secret b"), c.lookup("KEY_B"));
    assertEquals(Optional.of("c=with=equals"), c.lookup("KEY_C"));
    assertEquals(Optional.empty(), c.lookup("KEY_D"));
    FileTime before = Files.getLastModifiedTime(f);
    Files.writeString(f, "KEY_A=rotated\n");
    // a coarse clock could give the same mtime; the size differs anyway, and time moves on
    Files.setLastModifiedTime(f, FileTime.from(before.toInstant().plusSeconds(1)));
    assertEquals(Optional.of("rotated"), c.lookup("KEY_A"));
    assertEquals(Optional.empty(), c.lookup("KEY_B"));
    Files.delete(f);
    assertEquals(Optional.empty(), c.lookup("KEY_A"));
  }

  @Test
  void theEnvironmentComesFirstAndBadLinesAreReportedByNumberOnly() throws Exception {
    Path f = file("KEY_A=from-file\nthis line holds sk-oops\n", "rw-------");
    HostCredentials c = new HostCredentials(Map.of("KEY_A", "from-env")::get, f, ME);
    assertEquals(Optional.of("from-env"), c.lookup("KEY_A"));
    CredentialsException e = assertThrows(CredentialsException.class, () -> c.lookup("KEY_B"));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    assertFalse(e.getMessage().contains("sk-oops"), e.getMessage());
  }

  @Test
  void hostCredentialsUseTheConfigDirectory() throws Exception {
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/credentials"), "NEMOCLAW_TEST_ONLY_KEY=k1\n");
    Files.setPosixFilePermissions(dir.resolve("config/credentials"),
        PosixFilePermissions.fromString("rw-------"));
    Credentials c = Credentials.host(new HostDirs(dir.resolve("config"), dir, dir));
    assertEquals(Optional.of("k1"), c.lookup("NEMOCLAW_TEST_ONLY_KEY"));
    assertTrue(c.describe().contains(dir.resolve("config/credentials").toString()));
  }

  @Test
  void theGatewayUsesTheRotatedKeyAndExplainsARefusedFile() throws Exception {
    Path f = file("FAKE_KEY=first\n", "rw-------");
    try (FakeModel fake = FakeModel.start(0, Optional.empty());
        Rig rig = Rig.with(Rig.withKey(Rig.route("main", Provider.OPENAI, fake.baseUrl(), "m"),
            "FAKE_KEY")).credentials(new HostCredentials(n -> null, f, ME)).start()) {
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "1")).statusCode());
      Files.writeString(f, "FAKE_KEY=second-key\n");
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
      assertEquals(200, rig.post("/v1/chat/completions", Rig.chat("main", "2")).statusCode());
      assertEquals(Optional.of("Bearer first"), fake.requests().get(0).header("authorization"));
      assertEquals(Optional.of("Bearer second-key"),
          fake.requests().get(1).header("authorization"), "rotated without a restart");

      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      HttpResponse<String> r = rig.post("/v1/chat/completions", Rig.chat("main", "3"));
      assertEquals(503, r.statusCode());
      assertEquals("missing_credentials", json(r).path("error").path("code").asText());
      assertTrue(json(r).path("message").asText().contains("chmod 600 " + f), r.body());
      assertFalse(r.body().contains("second-key"));
      assertEquals(2, fake.requests().size());
    }
  }
}
