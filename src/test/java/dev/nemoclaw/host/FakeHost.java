package dev.nemoclaw.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** A fake /proc and /sys tree plus fake helpers, to point a {@link HostProbe} at. */
final class FakeHost {
  final Path root;
  final Map<String, String> env = new HashMap<>();
  long uid = 1000;
  Optional<Path> init = Optional.empty();
  Optional<Path> unshare = Optional.empty();
  Supplier<Landlock.Answer> landlock = () -> new Landlock.Answer.Abi(7);

  FakeHost(Path root) {
    this.root = root;
    file("/proc/sys/kernel/osrelease", "6.8.0-test\n");
    file("/proc/self/status", "Name:\tjava\nSeccomp:\t0\nSeccomp_filters:\t0\n");
    file("/proc/sys/kernel/seccomp/actions_avail", "kill_process kill_thread trap errno\n");
    file("/proc/sys/user/max_user_namespaces", "63000\n");
    file("/proc/self/mountinfo", """
        22 1 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        """);
    file("/proc/self/cgroup", "0::/\n");
  }

  FakeHost file(String absolute, String content) {
    try {
      Path p = root.resolve(absolute.substring(1));
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  FakeHost dir(String absolute) {
    try {
      Files.createDirectories(root.resolve(absolute.substring(1)));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An executable shell script, standing in for nemoclaw-init or unshare. */
  Path script(String name, String body) {
    try {
      Path p = root.resolve("bin").resolve(name);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "#!/bin/sh\n" + body + "\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  HostView view() {
    return new HostView(root, env, uid, uid == 0 ? "root" : "alice", "x86_64", init, unshare,
        landlock);
  }

  HostProbe probe() {
    return new HostProbe(view());
  }
}
