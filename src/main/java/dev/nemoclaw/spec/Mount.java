package dev.nemoclaw.spec;

import java.nio.file.Path;

/**
 * A host directory or file bound into the sandbox. {@code source} is absolute and normalised and
 * existed when the spec was loaded; {@code target} is an absolute, normalised sandbox path.
 */
public record Mount(Path source, String target, MountMode mode) {
  public boolean writable() {
    return mode == MountMode.RW;
  }
}
