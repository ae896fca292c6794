package dev.nemoclaw.image;

import java.util.List;

/**
 * One image found in an {@link Archive}: its config (already checked against its digest) and its
 * layers in the order they apply, each with the digest its bytes must have.
 */
record ImageManifest(
    String format, Digest configDigest, byte[] config, List<Layer> layers, List<String> names) {

  ImageManifest {
    layers = List.copyOf(layers);
    names = List.copyOf(names);
  }

  /**
   * A layer blob: {@code name} inside the archive, {@code digest} of its bytes as stored (for a
   * docker-archive that is the config's diff_id, the stored tar being uncompressed), and its size
   * when a descriptor declares one (-1 otherwise).
   */
  record Layer(String name, Digest digest, long size) {}
}
