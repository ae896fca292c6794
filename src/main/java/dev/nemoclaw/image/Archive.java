package dev.nemoclaw.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The files of an image as it was handed over: an OCI layout directory, or a tar holding one (or
 * a docker-archive). Names are relative, {@code /}-separated and checked: they come from the
 * image's own manifests, so none may be absolute or climb out with {@code ..}.
 */
sealed interface Archive extends Closeable {
  /** Where the image came from, for messages. */
  Path origin();

  boolean has(String name);

  /** The file's size in bytes. */
  long size(String name) throws IOException;

  InputStream open(String name) throws IOException;

  static Archive open(Path path) throws ImageException {
    try {
      if (Files.isDirectory(path)) {
        return new Dir(path.toAbsolutePath());
      }
      if (Files.isRegularFile(path)) {
        return Tar.open(path.toAbsolutePath());
      }
    } catch (IOException e) {
      throw new ImageException(path + ": cannot read it as a tar (" + e.getMessage() + "); give "
          + "an OCI layout directory, an OCI tar or a docker-archive tar (docker save)", e);
    }
    throw new ImageException(path + " does not exist (or is neither a directory nor a file)");
  }

  /** {@code name} with {@code ./} and empty parts dropped; null when absolute or climbing out. */
  static String clean(String name) {
    if (name.startsWith("/")) {
      return null;
    }
    Deque<String> parts = new ArrayDeque<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        return null;
      }
      parts.addLast(p);
    }
    return String.join("/", parts);
  }

  /** An OCI image layout directory. */
  record Dir(Path origin) implements Archive {
    private Path file(String name) throws IOException {
      String c = clean(name);
      if (c == null || c.isEmpty()) {
        throw new NoSuchFileException(origin + ": bad name " + name);
      }
      return origin.resolve(c);
    }

    @Override
    public boolean has(String name) {
      try {
        return Files.isRegularFile(file(name));
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public long size(String name) throws IOException {
      return Files.size(file(name));
    }

    @Override
    public InputStream open(String name) throws IOException {
      Path f = file(name);
      if (!Files.isRegularFile(f)) {
        throw new NoSuchFileException(f.toString());
      }
      return Files.newInputStream(f);
    }

    @Override
    public void close() {}
  }

  /**
   * A tar read with random access: its index.json or manifest.json may come after the blobs
   * (docker save writes it last), so the whole member list is read first. A member that is a
   * symlink to another member (docker save's way of storing a layer twice) is followed inside the
   * tar, never outside it.
   */
  final class Tar implements Archive {
    private final Path origin;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> members = new HashMap<>();

    private Tar(Path origin, TarFile tar) {
      this.origin = origin;
      this.tar = tar;
      for (TarArchiveEntry e : tar.getEntries()) {
        String c = clean(e.getName());
        if (c != null && !c.isEmpty()) {
          members.put(c, e);
        }
      }
    }

    static Tar open(Path path) throws IOException {
      return new Tar(path, new TarFile(path));
    }

    @Override
    public Path origin() {
      return origin;
    }

    private TarArchiveEntry member(String name) throws IOException {
      String c = clean(name);
      for (int hops = 0; c != null && hops < 8; hops++) {
        TarArchiveEntry e = members.get(c);
        if (e == null) {
          break;
        }
        if (e.isFile()) {
          return e;
        }
        if (!e.isSymbolicLink()) {
          break;
        }
        String target = e.getLinkName();
        int slash = c.lastIndexOf('/');
        c = clean(target.startsWith("/") ? "/" : (slash < 0 ? "" : c.substring(0, slash + 1))
            + target);
      }
      throw new NoSuchFileException(origin + ": no file " + name + " in the tar");
    }

    @Override
    public boolean has(String name) {
      try {
        member(name);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public long size(String name) throws IOException {
      return member(name).getSize();
    }

    @Override
    public InputStream open(String name) throws IOException {
      return tar.getInputStream(member(name));
    }

    @Override
    public void close() throws IOException {
      tar.close();
    }
  }

  /** Reads a whole (small) file: a manifest or a config. */
  default byte[] readSmall(String name, long limit) throws IOException {
    long size = size(name);
    if (size > limit) {
      throw new IOException(name + " is " + size + " bytes; a manifest or config over " + limit
          + " is refused");
    }
    try (InputStream in = open(name)) {
      return in.readNBytes((int) size + 1);
    }
  }
}
