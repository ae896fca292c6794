package dev.nemoclaw.image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An unpacked image in the cache: its root filesystem (complete: a half-unpacked one never gets
 * a name under {@code sha256/}), what it says about running it, and the names pointing at it.
 */
public record CachedImage(
    Digest digest,
    Path rootfs,
    ImageConfig config,
    long sizeBytes,
    Instant importedAt,
    Optional<String> created,
    String platform,
    String source,
    List<String> names) {

  public CachedImage {
    names = List.copyOf(names);
  }
}
