package dev.nemoclaw.supervisor;

import dev.nemoclaw.egress.HostTrust;
import dev.nemoclaw.egress.SandboxCa;
import dev.nemoclaw.host.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * TLS inspection's part of one run: the sandbox CA, made in memory (its key stays there), the
 * host's roots the proxy checks origins against, and the directory of public files the sandbox is
 * given: {@code ca.pem} (the CA) and {@code ca-bundle.pem} (the host's roots and the CA).
 *
 * @param dir the host directory holding the files; absolute and symlink-free, for the bind
 */
record SandboxTls(SandboxCa ca, HostTrust hostTrust, Path dir) {

  /** Makes the CA and writes its files (crash-safe) into {@code dir}, created if missing. */
  static SandboxTls create(String sandbox, Path dir, Map<String, String> env) throws IOException {
    HostTrust trust = HostTrust.load(env);
    SandboxCa ca = SandboxCa.create(sandbox);
    Files.createDirectories(dir);
    // the agent's uid, whatever the host maps it to, must read these public files
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    AtomicFile.write(dir.resolve(Planner.CA_FILE),
        ca.certificatePem().getBytes(StandardCharsets.US_ASCII));
    AtomicFile.write(dir.resolve(Planner.BUNDLE_FILE), trust.bundleWith(ca.certificate()));
    return new SandboxTls(ca, trust, dir.toRealPath());
  }

  /** Removes the files at the end of the run: the CA they name is gone with the supervisor. */
  void removeFiles() {
    try {
      Files.deleteIfExists(dir.resolve(Planner.CA_FILE));
      Files.deleteIfExists(dir.resolve(Planner.BUNDLE_FILE));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // the next run with inspection writes them again
    }
  }
}
