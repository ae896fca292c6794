package dev.nemoclaw.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.docker.DockerEngine;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code image: docker:NAME[:TAG]} for the native backend: the image is taken from the local
 * engine, never pulled (what runs is what the operator already has), and exported only when the
 * cache does not hold that engine image ID yet.
 */
public final class DockerImages {
  private DockerImages() {}

  public static CachedImage resolve(ImageCache cache, String name, String tag,
      Map<String, String> env, Progress progress) throws ImageException {
    String ref = name + ":" + tag;
    DockerClient docker;
    try {
      docker = DockerEngine.connect(env);
    } catch (SandboxException e) {
      throw new ImageException("image: docker:" + ref + ": " + e.getMessage());
    }
    try (docker) {
      InspectImageResponse inspect;
      try {
        inspect = docker.inspectImageCmd(ref).exec();
      } catch (NotFoundException e) {
        throw new ImageException("image: docker:" + ref + ": the Docker engine at "
            + DockerEngine.host(env) + " has no such image; nemoclaw never pulls: run `docker "
            + "pull " + ref + "` (or build it) first");
      }
      String key = "docker:" + inspect.getId();
      Optional<CachedImage> known = cache.memo(key);
      if (known.isPresent()) {
        return known.get();
      }
      long size = Optional.ofNullable(inspect.getSize()).orElse(-1L);
      try (InputStream tar = docker.saveImageCmd(name).withTag(tag).exec()) {
        return cache.importStream(tar, size, "docker save " + ref, List.of(ref), key, progress);
      }
    } catch (IOException | RuntimeException e) {
      throw new ImageException("image: docker:" + ref + ": exporting it from the engine failed ("
          + e.getMessage() + ")", e);
    }
  }
}
