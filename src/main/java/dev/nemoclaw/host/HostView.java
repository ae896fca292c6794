package dev.nemoclaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything {@link HostProbe} looks at, gathered in one place so tests can point it at a fake
 * /proc and /sys tree, fake helpers and a fake kernel. Absolute host paths such as
 * {@code /proc/self/status} are read below {@code root}.
 *
 * @param init the sandbox init binary, even if it does not exist
 * @param unshare util-linux {@code unshare}, the fallback user-namespace test
 * @param landlock asks the kernel for its Landlock ABI (a syscall in real life)
 */
record HostView(
    Path root,
    Map<String, String> env,
    long uid,
    String user,
    String arch,
    Optional<Path> init,
    Optional<Path> unshare,
    Supplier<Landlock.Answer> landlock) {

  HostView {
    env = Map.copyOf(env);
  }

  static HostView live() {
    String arch = machine(System.getProperty("os.arch", ""));
    Path unshare = Path.of("/usr/bin/unshare");
    return new HostView(
        Path.of("/"),
        System.getenv(),
        new com.sun.security.auth.module.UnixSystem().getUid(),
        System.getProperty("user.name", "?"),
        arch,
        Optional.of(Install.locate().init()),
        Files.isExecutable(unshare) ? Optional.of(unshare) : Optional.empty(),
        () -> Landlock.ask(arch));
  }

  /** Java's os.arch in uname -m spelling, which is what users and kernel docs say. */
  static String machine(String osArch) {
    return switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      case "x86", "i386", "i686" -> "i686";
      default -> osArch;
    };
  }

  boolean isRoot() {
    return uid == 0;
  }

  /** A host path, below {@code root}. */
  Path path(String absolute) {
    return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
  }

  /** The file's text, or empty when it is absent or unreadable (both mean "no such hint"). */
  Optional<String> read(String absolute) {
    try {
      return Optional.of(Files.readString(path(absolute)));
    } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
  }

  Optional<Long> readLong(String absolute) {
    return read(absolute).map(String::strip).flatMap(s -> {
      try {
        return Optional.of(Long.parseLong(s));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }

  Optional<String> env(String name) {
    return Optional.ofNullable(env.get(name)).filter(s -> !s.isBlank());
  }
}
