package dev.nemoclaw.spec;

import java.nio.file.Path;

/** Where the sandbox's root filesystem comes from. */
public sealed interface Image {
  /** Whether the image can supply the command when agent.yaml gives none. */
  boolean definesCommand();

  /** The host's system directories, read-only; homes hidden. */
  record Host() implements Image {
    @Override
    public boolean definesCommand() {
      return false;
    }
  }

  /** A directory holding a root filesystem. */
  record Dir(Path path) implements Image {
    @Override
    public boolean definesCommand() {
      return false;
    }
  }

  /** An OCI image layout directory, or an OCI or docker-archive tar. */
  record Oci(Path path) implements Image {
    @Override
    public boolean definesCommand() {
      return true;
    }
  }

  /** An image from the local Docker engine; {@code tag} is {@code latest} when none was given. */
  record Docker(String name, String tag) implements Image {
    @Override
    public boolean definesCommand() {
      return true;
    }
  }
}
