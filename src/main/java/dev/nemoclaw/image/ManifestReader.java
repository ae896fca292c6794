package dev.nemoclaw.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds the one image an {@link Archive} holds: an OCI layout ({@code oci-layout} and
 * {@code index.json}, as skopeo, buildah and {@code docker save} of Docker 25 and later write),
 * else a docker-archive ({@code manifest.json}, as {@code docker save} of older engines writes).
 * Every manifest and config is checked against its digest before it is believed.
 */
final class ManifestReader {
  static final long SMALL_LIMIT = 16L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX_JSON = Pattern.compile("(?:.*/)?([0-9a-f]{64})(?:\\.json)?");
  private static final Set<String> INDEX_TYPES = Set.of(
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json");

  private ManifestReader() {}

  static ImageManifest read(Archive a) throws ImageException {
    try {
      if (a.has("index.json")) {
        return oci(a);
      }
      if (a.has("manifest.json")) {
        return dockerArchive(a);
      }
    } catch (IOException e) {
      throw new ImageException(a.origin() + ": " + e.getMessage(), e);
    }
    throw new ImageException(a.origin() + " holds neither index.json (an OCI image layout) nor "
        + "manifest.json (a docker-archive); give an OCI layout directory, an OCI tar (skopeo copy "
        + "... oci-archive:F) or a `docker save` tar");
  }

  /** The platform the host runs: what an index entry must name to be chosen. */
  static String hostPlatform() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return "linux/" + switch (arch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  private record Candidate(Digest manifest, String platform, String name) {}

  private static ImageManifest oci(Archive a) throws IOException, ImageException {
    JsonNode index = json(a.readSmall("index.json", SMALL_LIMIT), a, "index.json");
    List<Candidate> found = new ArrayList<>();
    collect(a, index, "index.json", "", found, 0);
    String host = hostPlatform();
    List<Candidate> fit = found.stream()
        .filter(c -> c.platform().isEmpty() || c.platform().equals(host)).toList();
    if (fit.isEmpty()) {
      Set<String> platforms = new LinkedHashSet<>();
      found.forEach(c -> platforms.add(c.platform()));
      throw new ImageException(a.origin() + ": no image for this host's platform " + host
          + "; it holds " + (platforms.isEmpty() ? "no image manifest" : String.join(", ",
          platforms)) + ". Export the " + host + " variant (docker save --platform " + host
          + ", or skopeo copy --override-arch)");
    }
    Set<Digest> distinct = new LinkedHashSet<>();
    fit.forEach(c -> distinct.add(c.manifest()));
    if (distinct.size() > 1) {
      List<String> names = fit.stream().map(c -> c.name().isEmpty() ? c.manifest().toString()
          : c.name()).distinct().toList();
      throw new ImageException(a.origin() + " holds " + distinct.size() + " images for " + host
          + " (" + String.join(", ", names) + "); export one image per file");
    }
    Candidate chosen = fit.getFirst();
    String blob = blob(chosen.manifest());
    JsonNode manifest = json(verified(a, blob, chosen.manifest()), a, blob);
    Digest configDigest = Digest.parse(manifest.path("config").path("digest").asText(null),
        blob + ": config.digest");
    byte[] config = verified(a, blob(configDigest), configDigest);
    List<ImageManifest.Layer> layers = new ArrayList<>();
    for (JsonNode l : manifest.path("layers")) {
      Digest d = Digest.parse(l.path("digest").asText(null), blob + ": layers[].digest");
      layers.add(new ImageManifest.Layer(blob(d), d, l.path("size").asLong(-1)));
    }
    List<String> names = fit.stream().map(Candidate::name).filter(n -> !n.isEmpty()).distinct()
        .toList();
    return new ImageManifest("oci", configDigest, config, layers, names);
  }

  /** Walks an index (and nested indexes) for image manifests, with their platform and name. */
  private static void collect(Archive a, JsonNode index, String where, String name,
      List<Candidate> out, int depth) throws IOException, ImageException {
    if (depth > 4) {
      throw new ImageException(a.origin() + ": " + where + ": indexes nested deeper than 4");
    }
    for (JsonNode m : index.path("manifests")) {
      Digest d = Digest.parse(m.path("digest").asText(null), where + ": manifests[].digest");
      String n = m.path("annotations").path("io.containerd.image.name").asText(
          m.path("annotations").path("org.opencontainers.image.ref.name").asText(name));
      JsonNode p = m.path("platform");
      String platform = p.isObject() ? p.path("os").asText() + "/" + p.path("architecture")
          .asText() : "";
      if (platform.equals("unknown/unknown")) {
        continue; // BuildKit's attestation manifests: not a runnable image
      }
      if (INDEX_TYPES.contains(m.path("mediaType").asText())) {
        collect(a, json(verified(a, blob(d), d), a, blob(d)), blob(d), n, out, depth + 1);
      } else {
        out.add(new Candidate(d, platform, n));
      }
    }
  }

  private static ImageManifest dockerArchive(Archive a) throws IOException, ImageException {
    JsonNode list = json(a.readSmall("manifest.json", SMALL_LIMIT), a, "manifest.json");
    if (!list.isArray() || list.isEmpty()) {
      throw new ImageException(a.origin() + ": manifest.json lists no image");
    }
    if (list.size() > 1) {
      throw new ImageException(a.origin() + ": manifest.json lists " + list.size() + " images; "
          + "`docker save` one image per file");
    }
    JsonNode m = list.get(0);
    String configName = m.path("Config").asText("");
    if (!a.has(configName)) {
      throw new ImageException(a.origin() + ": manifest.json names config '" + configName
          + "', which the tar does not hold");
    }
    byte[] config = a.readSmall(configName, SMALL_LIMIT);
    Digest configDigest = Digest.of(config);
    var named = HEX_JSON.matcher(configName);
    if (named.matches() && !named.group(1).equals(configDigest.hex())) {
      throw new ImageException(a.origin() + ": config " + configName + " has digest "
          + configDigest + ", not the one its name says; the file is corrupt or was altered");
    }
    JsonNode diffIds = json(config, a, configName).path("rootfs").path("diff_ids");
    JsonNode layerNames = m.path("Layers");
    if (layerNames.size() != diffIds.size()) {
      throw new ImageException(a.origin() + ": manifest.json lists " + layerNames.size()
          + " layers but config " + configName + " has " + diffIds.size() + " diff_ids");
    }
    List<ImageManifest.Layer> layers = new ArrayList<>();
    for (int i = 0; i < layerNames.size(); i++) {
      layers.add(new ImageManifest.Layer(layerNames.get(i).asText(),
          Digest.parse(diffIds.get(i).asText(null), configName + ": rootfs.diff_ids"), -1));
    }
    List<String> names = new ArrayList<>();
    m.path("RepoTags").forEach(t -> names.add(t.asText()));
    return new ImageManifest("docker-archive", configDigest, config, layers, names);
  }

  static String blob(Digest d) {
    return "blobs/sha256/" + d.hex();
  }

  /** A small blob, refused unless its bytes hash to {@code d}. */
  private static byte[] verified(Archive a, String name, Digest d) throws IOException,
      ImageException {
    if (!a.has(name)) {
      throw new ImageException(a.origin() + ": blob " + d + " (" + name + ") is missing; the "
          + "layout is incomplete (was it copied partially?)");
    }
    byte[] b = a.readSmall(name, SMALL_LIMIT);
    Digest actual = Digest.of(b);
    if (!actual.equals(d)) {
      throw new ImageException(a.origin() + ": blob " + name + " has digest " + actual + ", not "
          + d + "; the file is corrupt or was altered");
    }
    return b;
  }

  private static JsonNode json(byte[] b, Archive a, String name) throws ImageException {
    try {
      return JSON.readTree(b);
    } catch (IOException e) {
      throw new ImageException(a.origin() + ": " + name + " is not valid JSON: "
          + e.getMessage());
    }
  }
}
