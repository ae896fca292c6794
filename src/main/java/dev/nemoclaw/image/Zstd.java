package dev.nemoclaw.image;

import java.io.File;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * zstd layers, through the host's {@code zstd} program. The Java bindings (zstd-jni) unpack a
 * native library into the temp dir at first use, which fails where /tmp is noexec, and add 7 MB
 * to every install for a compression few images use; the program is one apt package away.
 */
final class Zstd {
  private Zstd() {}

  static InputStream decompress(InputStream compressed, String what) throws ImageException,
      IOException {
    Path zstd = onPath("zstd").orElseThrow(() -> new ImageException(what + " is zstd-compressed "
        + "and this host has no zstd program; install it (apt-get install zstd) or export the "
        + "image with gzip layers"));
    Process p = new ProcessBuilder(zstd.toString(), "-dcq")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    IOException[] pumpError = {null};
    Thread pump = Thread.ofVirtual().start(() -> {
      try (OutputStream in = p.getOutputStream()) {
        compressed.transferTo(in);
      } catch (IOException e) {
        pumpError[0] = e;
      }
    });
    return new Stream(p, pump, pumpError, what);
  }

  /** zstd's output; {@link #finish} reads it out and checks the program succeeded. */
  static final class Stream extends FilterInputStream {
    private final Process process;
    private final Thread pump;
    private final IOException[] pumpError;
    private final String what;

    Stream(Process process, Thread pump, IOException[] pumpError, String what) {
      super(process.getInputStream());
      this.process = process;
      this.pump = pump;
      this.pumpError = pumpError;
      this.what = what;
    }

    void finish() throws IOException, ImageException {
      in.transferTo(OutputStream.nullOutputStream());
      try {
        pump.join();
        int rc = process.waitFor();
        if (pumpError[0] != null) {
          throw pumpError[0];
        }
        if (rc != 0) {
          throw new ImageException(what + ": zstd could not decompress it (exit " + rc + ")");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new IOException("interrupted while decompressing " + what, e);
      }
    }

    @Override
    public void close() throws IOException {
      process.destroy();
      super.close();
    }
  }

  static Optional<Path> onPath(String program) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
