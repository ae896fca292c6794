package dev.nemoclaw.supervisor;

import dev.nemoclaw.egress.HostTrust;
import dev.nemoclaw.egress.SandboxCa;
import dev.nemoclaw.host.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * TLS inspection's part of one run: the sandbox CA, made in memory (its key stays there), and the
 * host's roots the proxy checks origins against; then the directory of public files the sandbox is
 * given: {@code ca.pem} (the CA) and {@code ca-bundle.pem} (the host's roots and the CA).
 */
record SandboxTls(SandboxCa ca, HostTrust hostTrust) {

  /**
   * Makes the CA and reads the host's roots on a virtual thread, then readies the TLS machinery
   * the proxy will need: a few hundred milliseconds, mostly class loading, that the rest of the
   * start overlaps instead of waiting for.
   */
  static CompletableFuture<SandboxTls> start(String sandbox, Map<String, String> env) {
    CompletableFuture<SandboxTls> f = new CompletableFuture<>();
    Thread.ofVirtual().name("sandbox-ca").start(() -> {
      try {
        SandboxTls tls = new SandboxTls(SandboxCa.create(sandbox), HostTrust.load(env));
        f.complete(tls);
        tls.hostTrust.warmUp();
        tls.ca.warmUp();
      } catch (IOException e) {
        f.completeExceptionally(new UncheckedIOException(e));
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    return f;
  }

  /**
   * Writes the files (crash-safe) into {@code dir}, created if missing, and returns it absolute
   * and symlink-free, for the bind.
   */
  Path writeFiles(Path dir) throws IOException {
    Files.createDirectories(dir);
    // the agent's uid, whatever the host maps it to, must read these public files
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    AtomicFile.write(dir.resolve(Planner.CA_FILE),
        ca.certificatePem().getBytes(StandardCharsets.US_ASCII));
    AtomicFile.write(dir.resolve(Planner.BUNDLE_FILE), hostTrust.bundleWith(ca.certificate()));
    return dir.toRealPath();
  }

  /** Removes the files at the end of the run: the CA they name is gone with the supervisor. */
  static void removeFiles(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(Planner.CA_FILE));
      Files.deleteIfExists(dir.resolve(Planner.BUNDLE_FILE));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // the next run with inspection writes them again
    }
  }
}
