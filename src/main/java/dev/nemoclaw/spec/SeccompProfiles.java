package dev.nemoclaw.spec;

import dev.nemoclaw.host.Install;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The seccomp profiles a spec may name: {@code default} and {@code strict} (always shipped) plus
 * every {@code *.json} in the profiles directory. A reference with a '/' or ending in
 * {@code .json} is a file path instead, relative to the spec's directory.
 */
public final class SeccompProfiles {
  static final List<String> SHIPPED = List.of("default", "strict");
  private final Path dir;

  public SeccompProfiles(Path dir) {
    this.dir = dir;
  }

  public static SeccompProfiles installed() {
    return new SeccompProfiles(Install.locate().seccompProfiles());
  }

  public List<String> names() {
    TreeSet<String> names = new TreeSet<>(SHIPPED);
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json"))
          .map(n -> n.substring(0, n.length() - ".json".length()))
          .filter(n -> Values.NAME.matcher(n).matches())
          .forEach(names::add);
    } catch (IOException e) {
      // no directory: only the shipped names, which the build puts there
    }
    return List.copyOf(names);
  }

  /** The profile {@code ref} names, or {@link IllegalArgumentException} saying what exists. */
  SeccompProfile resolve(String ref, Path baseDir) {
    if (ref.contains("/") || ref.endsWith(".json")) {
      Path file = baseDir.resolve(ref).toAbsolutePath().normalize();
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("seccomp profile file " + file + " does not exist");
      }
      return new SeccompProfile(ref, file);
    }
    List<String> names = names();
    if (!names.contains(ref)) {
      throw new IllegalArgumentException("unknown seccomp profile '" + ref + "'; available: "
          + String.join(", ", names) + ", or a path to an OCI/Docker JSON profile"
          + Suggest.didYouMean(ref, names));
    }
    return new SeccompProfile(ref, dir.resolve(ref + ".json").toAbsolutePath().normalize());
  }
}
