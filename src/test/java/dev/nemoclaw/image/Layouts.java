package dev.nemoclaw.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds layer tars, OCI layouts, OCI tars and docker-archives in code, for tests. */
public final class Layouts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Layouts() {}

  /** One tar entry, written by {@link #layer}. */
  public record Entry(String name, byte type, String content, String link, int mode) {}

  public static Entry file(String name, String content) {
    return new Entry(name, TarConstants.LF_NORMAL, content, "", 0644);
  }

  public static Entry file(String name, String content, int mode) {
    return new Entry(name, TarConstants.LF_NORMAL, content, "", mode);
  }

  public static Entry dir(String name, int mode) {
    return new Entry(name, TarConstants.LF_DIR, "", "", mode);
  }

  public static Entry symlink(String name, String target) {
    return new Entry(name, TarConstants.LF_SYMLINK, "", target, 0777);
  }

  public static Entry hardlink(String name, String target) {
    return new Entry(name, TarConstants.LF_LINK, "", target, 0644);
  }

  public static Entry device(String name) {
    return new Entry(name, TarConstants.LF_CHR, "", "", 0666);
  }

  public static Entry fifo(String name) {
    return new Entry(name, TarConstants.LF_FIFO, "", "", 0644);
  }

  /** An uncompressed layer tar holding {@code entries} in order, names exactly as given. */
  public static byte[] layer(Entry... entries) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        TarArchiveEntry te = new TarArchiveEntry(e.name(), e.type(), true);
        te.setMode(e.mode());
        te.setModTime(0); // the same entries make the same bytes, hence the same digest
        if (!e.link().isEmpty()) {
          te.setLinkName(e.link());
        }
        byte[] c = e.content().getBytes(StandardCharsets.UTF_8);
        if (e.type() == TarConstants.LF_NORMAL) {
          te.setSize(c.length);
        }
        t.putArchiveEntry(te);
        if (e.type() == TarConstants.LF_NORMAL) {
          t.write(c);
        }
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  public static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream g = new GzipCompressorOutputStream(b)) {
      g.write(data);
    }
    return b.toByteArray();
  }

  /** What an image says about running it, and which platform it is for. */
  public record Config(List<String> entrypoint, List<String> cmd, List<String> env,
      String workingDir, String architecture) {
    public static Config plain() {
      return new Config(List.of(), List.of("/bin/sh"), List.of("PATH=/bin"), "", "amd64");
    }
  }

  /** The image config JSON for {@code layers} (diff_ids: digests of the uncompressed tars). */
  public static byte[] config(Config c, List<byte[]> uncompressed) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("created", "2024-01-02T03:04:05Z");
    root.put("architecture", c.architecture());
    root.put("os", "linux");
    ObjectNode cfg = root.putObject("config");
    c.entrypoint().forEach(cfg.putArray("Entrypoint")::add);
    c.cmd().forEach(cfg.putArray("Cmd")::add);
    c.env().forEach(cfg.putArray("Env")::add);
    cfg.put("WorkingDir", c.workingDir());
    ObjectNode rootfs = root.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    for (byte[] l : uncompressed) {
      ids.add(Digest.of(l).toString());
    }
    return JSON.writeValueAsBytes(root);
  }

  /**
   * Files of an OCI layout (name → bytes): oci-layout, index.json (one manifest, annotated with
   * {@code refName}), the manifest, the config and the layer blobs as given (maybe gzipped).
   */
  public static Map<String, byte[]> oci(Config c, List<byte[]> uncompressed, List<byte[]> blobs,
      String refName) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] config = config(c, uncompressed);
    files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    put(files, config);
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.set("config", descriptor("application/vnd.oci.image.config.v1+json", config));
    ArrayNode layers = m.putArray("layers");
    for (byte[] b : blobs) {
      layers.add(descriptor("application/vnd.oci.image.layer.v1.tar", b));
      put(files, b);
    }
    byte[] manifest = JSON.writeValueAsBytes(m);
    put(files, manifest);
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode d = descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
    if (!refName.isEmpty()) {
      d.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
    }
    index.putArray("manifests").add(d);
    files.put("index.json", JSON.writeValueAsBytes(index));
    return files;
  }

  /** A docker-archive as Docker 20.10's {@code docker save} writes it. */
  public static Map<String, byte[]> dockerArchive(Config c, List<byte[]> layers, String tag)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] config = config(c, layers);
    String configName = Digest.of(config).hex() + ".json";
    files.put(configName, config);
    List<String> names = new ArrayList<>();
    for (byte[] l : layers) {
      String n = Digest.of(l).hex() + "/layer.tar";
      files.put(n, l);
      names.add(n);
    }
    ArrayNode list = JSON.createArrayNode();
    ObjectNode m = list.addObject();
    m.put("Config", configName);
    m.putArray("RepoTags").add(tag);
    names.forEach(m.putArray("Layers")::add);
    files.put("manifest.json", JSON.writeValueAsBytes(list));
    return files;
  }

  static ObjectNode descriptor(String mediaType, byte[] content) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", Digest.of(content).toString());
    d.put("size", content.length);
    return d;
  }

  private static void put(Map<String, byte[]> files, byte[] blob) {
    files.put("blobs/sha256/" + Digest.of(blob).hex(), blob);
  }

  public static Path writeDir(Path dir, Map<String, byte[]> files) throws IOException {
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
    }
    return dir;
  }

  public static Path writeTar(Path tar, Map<String, byte[]> files) throws IOException {
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry te = new TarArchiveEntry(f.getKey());
        te.setSize(f.getValue().length);
        t.putArchiveEntry(te);
        t.write(f.getValue());
        t.closeArchiveEntry();
      }
    }
    return tar;
  }

  /** An OCI layout directory with one image of uncompressed {@code layers}. */
  public static Path ociDir(Path dir, Config c, byte[]... layers) throws IOException {
    List<byte[]> l = List.of(layers);
    return writeDir(dir, oci(c, l, l, ""));
  }
}
