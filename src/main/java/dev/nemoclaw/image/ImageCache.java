package dev.nemoclaw.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.host.HostDirs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The local image cache, {@code STATE/images/} (CONTRACT §6):
 *
 * <pre>
 *   sha256/HEX/rootfs      the unpacked root filesystem, keyed by the image's config digest
 *   sha256/HEX/image.json  its run config (Entrypoint, Cmd, Env, WorkingDir), size, origin
 *   refs.json              name → digest
 *   sources.json           what was imported from where (path+size+mtime, Docker image ID) →
 *                          digest, so an unchanged source is never unpacked twice
 *   tmp/PID-RANDOM/        an import in progress; renamed into sha256/ only when complete
 * </pre>
 *
 * A crash leaves at most a {@code tmp/} directory, which no lookup ever reads and the next import
 * sweeps once its process is gone. refs.json and sources.json are replaced atomically, under a
 * lock file, so two imports at once do not lose each other's names.
 */
public final class ImageCache {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}");
  private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{1,64}");
  /** Mountpoints the sandbox init needs and may not create in a read-only image root. */
  private static final List<String> MOUNTPOINTS = List.of("proc", "dev", "tmp", "sandbox");
  /** Files a container engine mounts over (backend docker), as Docker itself adds them. */
  private static final List<String> ENGINE_FILES =
      List.of("etc/hostname", "etc/hosts", "etc/resolv.conf");

  private final Path dir;

  private ImageCache(Path dir) {
    this.dir = dir;
  }

  /** The cache under {@code stateDir} (made on first import). */
  public static ImageCache at(Path stateDir) {
    return new ImageCache(stateDir.resolve("images"));
  }

  public static ImageCache fromEnvironment(Map<String, String> env) {
    return at(HostDirs.fromEnvironment(env).state());
  }

  public Path dir() {
    return dir;
  }

  /** The directory every cached root filesystem lies under (and nothing else of the state dir). */
  public Path imagesRoot() {
    return dir.resolve("sha256");
  }

  // ---- import ----------------------------------------------------------------------------

  /**
   * {@code oci:PATH} at run time: the cached image when this exact file (or layout, by its
   * index.json) was imported before and has not changed since, else a fresh import.
   */
  public CachedImage importOnce(Path source, Progress progress) throws ImageException {
    String key = sourceKey(source);
    Optional<CachedImage> known = memo(key);
    if (known.isPresent()) {
      return known.get();
    }
    return importPath(source, Optional.empty(), progress, Optional.of(key));
  }

  /** {@code nemoclaw image import PATH [--name NAME]}. */
  public CachedImage importPath(Path source, Optional<String> name, Progress progress)
      throws ImageException {
    return importPath(source, name, progress, Optional.of(sourceKey(source)));
  }

  CachedImage importPath(Path source, Optional<String> name, Progress progress,
      Optional<String> memoKey) throws ImageException {
    if (name.isPresent()) {
      checkName(name.get());
    }
    try (Archive a = Archive.open(source)) {
      ImageManifest m = ManifestReader.read(a);
      List<String> names = name.map(List::of).orElse(m.names());
      return store(a, m, names, memoKey, source.toAbsolutePath().toString(), progress);
    } catch (IOException e) {
      throw new ImageException(source + ": " + e.getMessage(), e);
    }
  }

  /** An image known by {@code key} (a Docker image ID, say) and still in the cache. */
  public Optional<CachedImage> memo(String key) throws ImageException {
    String d = readMap("sources.json").get(key);
    if (d == null) {
      return Optional.empty();
    }
    return find(Digest.parse(d, dir.resolve("sources.json").toString()));
  }

  /**
   * Imports a tar read from {@code archive} (a Docker engine's export), spooled into tmp/ first:
   * its manifest comes last, and the layers must be read in the manifest's order.
   */
  public CachedImage importStream(InputStream archive, long sizeHint, String what,
      List<String> names, String memoKey, Progress progress) throws ImageException {
    Path work;
    try {
      work = newWorkDir();
    } catch (IOException e) {
      throw new ImageException("cannot make a work directory in " + dir + ": " + e.getMessage(), e);
    }
    try {
      Path spool = work.resolve("archive.tar");
      progress.start(what, sizeHint);
      try (BlobStream in = new BlobStream(archive, progress);
          var out = Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW)) {
        byte[] buf = new byte[65536];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          total += n;
        }
        progress.end(total);
      }
      try (Archive a = Archive.open(spool)) {
        ImageManifest m = ManifestReader.read(a);
        return store(a, m, names.isEmpty() ? m.names() : names, Optional.of(memoKey), what,
            progress);
      }
    } catch (IOException e) {
      throw new ImageException(what + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(work);
    }
  }

  private CachedImage store(Archive a, ImageManifest m, List<String> names,
      Optional<String> memoKey, String source, Progress progress)
      throws ImageException, IOException {
    JsonNode config = JSON.readTree(m.config());
    String platform = config.path("os").asText("linux") + "/"
        + config.path("architecture").asText("amd64");
    if (!platform.equals(ManifestReader.hostPlatform())) {
      throw new ImageException(a.origin() + ": the image is for " + platform + ", this host runs "
          + ManifestReader.hostPlatform() + "; export the " + ManifestReader.hostPlatform()
          + " variant");
    }
    sweep();
    Optional<CachedImage> have = find(m.configDigest());
    if (have.isEmpty()) {
      unpack(a, m, config, source, progress);
    }
    try (Lock l = lock()) {
      Map<String, String> refs = readMap("refs.json");
      names.forEach(n -> refs.put(n, m.configDigest().toString()));
      writeMap("refs.json", refs);
      if (memoKey.isPresent()) {
        Map<String, String> memo = readMap("sources.json");
        memo.put(memoKey.get(), m.configDigest().toString());
        writeMap("sources.json", memo);
      }
    }
    return find(m.configDigest()).orElseThrow(() -> new ImageException(
        "image " + m.configDigest() + " vanished from " + dir + " while it was imported"));
  }

  private void unpack(Archive a, ImageManifest m, JsonNode config, String source,
      Progress progress) throws ImageException, IOException {
    Path work = newWorkDir();
    try {
      Path rootfs = work.resolve("rootfs");
      Files.createDirectory(rootfs);
      Unpacker u = new Unpacker(rootfs, progress::note);
      int i = 0;
      for (ImageManifest.Layer l : m.layers()) {
        i++;
        String what = a.origin() + ": layer " + i + "/" + m.layers().size() + " ("
            + l.digest().shortHex() + ")";
        if (!a.has(l.name())) {
          throw new ImageException(what + ": blob " + l.name() + " is missing from the image");
        }
        long size = a.size(l.name());
        progress.start(what, size);
        try (InputStream raw = a.open(l.name())) {
          BlobStream blob = new BlobStream(raw, progress);
          InputStream tar = blob.decompressed(what);
          try {
            u.apply(tar, l.digest().toString());
            if (tar instanceof Zstd.Stream z) {
              z.finish();
            }
          } catch (ImageException e) {
            throw new ImageException(a.origin() + ": " + e.getMessage(), e);
          } catch (IOException e) {
            throw new ImageException(what + ": " + e.getMessage() + " (is the blob intact? "
                + "verify it with sha256sum against " + l.digest() + ")", e);
          } finally {
            if (tar instanceof Zstd.Stream z) {
              z.close();
            }
          }
          blob.verify(l.digest(), l.size(), what);
        }
      }
      ImageConfig run = ImageConfig.fromOci(config.path("config"));
      for (String mp : MOUNTPOINTS) {
        u.ensureDir(mp);
      }
      for (String f : ENGINE_FILES) {
        u.ensureFile(f);
      }
      if (run.workingDir().startsWith("/")) {
        u.ensureDir(run.workingDir());
      }
      u.finish();
      ObjectNode meta = JSON.createObjectNode();
      meta.put("digest", m.configDigest().toString());
      meta.put("format", m.format());
      meta.put("source", source);
      meta.put("platform", config.path("os").asText() + "/" + config.path("architecture").asText());
      meta.put("created", config.path("created").asText(""));
      meta.put("importedAt", Instant.now().toString());
      meta.put("sizeBytes", Trees.size(rootfs));
      meta.set("config", JSON.valueToTree(run.toJson()));
      AtomicFile.write(work.resolve("image.json"), JSON.writeValueAsBytes(meta));
      Path target = imagesRoot().resolve(m.configDigest().hex());
      Files.createDirectories(imagesRoot());
      try (Lock l = lock()) {
        if (!Files.exists(target)) {
          try {
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
          } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + work + " to " + target + ": " + e, e);
          }
          AtomicFile.syncDirectory(imagesRoot());
        }
      }
    } finally {
      deleteQuietly(work);
    }
  }

  // ---- lookup ------------------------------------------------------------------------------

  public Optional<CachedImage> find(Digest d) throws ImageException {
    Path home = imagesRoot().resolve(d.hex());
    Path meta = home.resolve("image.json");
    if (!Files.isRegularFile(meta)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(meta.toFile());
      List<String> names = new ArrayList<>();
      readMap("refs.json").forEach((k, v) -> {
        if (v.equals(d.toString())) {
          names.add(k);
        }
      });
      String created = n.path("created").asText("");
      return Optional.of(new CachedImage(d, home.resolve("rootfs"),
          ImageConfig.fromCache(n.path("config")), n.path("sizeBytes").asLong(),
          Instant.parse(n.path("importedAt").asText()),
          created.isEmpty() ? Optional.empty() : Optional.of(created),
          n.path("platform").asText(), n.path("source").asText(), names));
    } catch (IOException | RuntimeException e) {
      throw new ImageException(meta + " is unreadable (" + e.getMessage() + "); remove the image "
          + "with `nemoclaw image rm " + d.shortHex() + "` and import it again", e);
    }
  }

  /** Every cached image, newest import first. */
  public List<CachedImage> list() throws ImageException {
    List<CachedImage> out = new ArrayList<>();
    if (!Files.isDirectory(imagesRoot())) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(imagesRoot())) {
      for (Path p : s) {
        String hex = p.getFileName().toString();
        if (hex.matches("[0-9a-f]{64}")) {
          find(new Digest(hex)).ifPresent(out::add);
        }
      }
    } catch (IOException e) {
      throw new ImageException("cannot list " + imagesRoot() + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(CachedImage::importedAt).reversed());
    return out;
  }

  /** What {@link #remove} did. */
  public record Removed(Digest digest, List<String> untagged, boolean deleted) {}

  /**
   * {@code nemoclaw image rm}: a name loses that name (and the image goes with its last name, as
   * {@code docker rmi} does); a digest or unique digest prefix removes the image and its names.
   */
  public Removed remove(String ref) throws ImageException {
    try (Lock l = lock()) {
      Map<String, String> refs = readMap("refs.json");
      Digest d;
      List<String> untagged = new ArrayList<>();
      if (refs.containsKey(ref)) {
        d = Digest.parse(refs.remove(ref), dir.resolve("refs.json").toString());
        untagged.add(ref);
        if (refs.containsValue(d.toString())) {
          writeMap("refs.json", refs);
          return new Removed(d, untagged, false);
        }
      } else {
        d = byPrefix(ref);
      }
      refs.entrySet().removeIf(e -> {
        if (e.getValue().equals(d.toString())) {
          untagged.add(e.getKey());
          return true;
        }
        return false;
      });
      Path home = imagesRoot().resolve(d.hex());
      if (Files.exists(home)) {
        Path gone = tmpDir().resolve(ProcessHandle.current().pid() + "-rm-" + d.shortHex()
            + "-" + UUID.randomUUID());
        Files.move(home, gone, StandardCopyOption.ATOMIC_MOVE);
        AtomicFile.syncDirectory(imagesRoot());
        writeMap("refs.json", refs);
        Map<String, String> memo = readMap("sources.json");
        memo.values().removeIf(v -> v.equals(d.toString()));
        writeMap("sources.json", memo);
        deleteQuietly(gone);
      } else {
        writeMap("refs.json", refs);
      }
      return new Removed(d, untagged, true);
    } catch (IOException e) {
      throw new ImageException("cannot remove " + ref + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  private Digest byPrefix(String ref) throws ImageException {
    String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
    if (!HEX_PREFIX.matcher(hex).matches()) {
      throw new ImageException("no image named " + ref + "; `nemoclaw image ls` lists names and "
          + "digests");
    }
    List<Digest> matches = new ArrayList<>();
    for (CachedImage i : list()) {
      if (i.digest().hex().startsWith(hex)) {
        matches.add(i.digest());
      }
    }
    if (matches.isEmpty()) {
      throw new ImageException("no image named or with a digest starting " + ref
          + "; `nemoclaw image ls` lists them");
    }
    if (matches.size() > 1) {
      throw new ImageException("digest prefix " + ref + " is ambiguous: it matches "
          + String.join(", ", matches.stream().map(Digest::shortHex).toList())
          + "; give more digits");
    }
    return matches.getFirst();
  }

  // ---- housekeeping ------------------------------------------------------------------------

  /** Removes tmp/ dirs whose import died (its process is gone); live imports keep theirs. */
  void sweep() {
    Path tmp = dir.resolve("tmp");
    if (!Files.isDirectory(tmp)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        int dash = n.indexOf('-');
        long pid = -1;
        try {
          pid = Long.parseLong(dash < 0 ? n : n.substring(0, dash));
        } catch (NumberFormatException e) {
          // not ours in shape: swept too, nothing reads tmp/
        }
        boolean alive = pid == ProcessHandle.current().pid() || pid > 0
            && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
          deleteQuietly(p);
        }
      }
    } catch (IOException e) {
      // sweeping is best effort: a leftover only costs space
    }
  }

  /** tmp/, in a cache only its owner can enter: nobody else may race an unpack. */
  private Path tmpDir() throws IOException {
    Path tmp = dir.resolve("tmp");
    Files.createDirectories(tmp);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    return tmp;
  }

  private Path newWorkDir() throws IOException {
    Path work = tmpDir().resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID());
    Files.createDirectory(work, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    return work;
  }

  /** Held while names, sources or the sha256/ directory change; closing it releases it. */
  private record Lock(FileChannel channel) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private Lock lock() throws IOException {
    Files.createDirectories(dir);
    FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      ch.lock();
      return new Lock(ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private Map<String, String> readMap(String file) throws ImageException {
    Path f = dir.resolve(file);
    Map<String, String> m = new TreeMap<>();
    if (!Files.exists(f)) {
      return m;
    }
    try {
      JSON.readTree(f.toFile()).properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
      return m;
    } catch (IOException e) {
      throw new ImageException(f + " is unreadable (" + e.getMessage() + "); delete it to start "
          + "over (cached images stay, they only lose their names)", e);
    }
  }

  private void writeMap(String file, Map<String, String> m) throws IOException {
    AtomicFile.write(dir.resolve(file), JSON.writeValueAsBytes(new LinkedHashMap<>(m)));
  }

  private static void checkName(String name) throws ImageException {
    if (!NAME.matcher(name).matches()) {
      throw new ImageException("--name '" + name + "' is not a valid image name; allowed: "
          + "letters, digits and . _ / : @ + - (up to 255), e.g. myagent:1");
    }
  }

  /** path+size+mtime of a tar, or of a layout's index.json: cheap, and changes with content. */
  static String sourceKey(Path source) throws ImageException {
    try {
      Path real = source.toRealPath();
      Path f = !Files.isDirectory(real) ? real
          : Files.exists(real.resolve("index.json")) ? real.resolve("index.json")
          : real.resolve("manifest.json");
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      return "file:" + real + ":" + a.size() + ":" + a.lastModifiedTime().toInstant();
    } catch (IOException e) {
      throw new ImageException(source + ": cannot read it (" + e.getMessage() + ")", e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Trees.delete(p);
    } catch (IOException e) {
      // a leftover in tmp/ is swept by the next import
    }
  }
}
