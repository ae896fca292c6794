package dev.nemoclaw.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.nemoclaw.sandbox.SandboxException;
import dev.nemoclaw.sandbox.docker.DockerEngine;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code image: docker:NAME[:TAG]}: the image is taken from the local engine and never pulled
 * unless the operator asks ({@code run --pull}): what runs is what the operator already has. For
 * the native backend it is exported only when the cache does not hold that engine image ID yet;
 * backend docker uses it in place and only needs its run config.
 */
public final class DockerImages {
  private DockerImages() {}

  /** The native backend's root: the engine's image unpacked into {@code cache}. */
  public static CachedImage resolve(ImageCache cache, String name, String tag,
      Map<String, String> env, boolean pull, Progress progress) throws ImageException {
    String ref = name + ":" + tag;
    try (DockerClient docker = connect(ref, env)) {
      InspectImageResponse inspect = present(docker, name, tag, env, pull);
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

  /** Backend docker: what the engine's image says about running it. */
  public static ImageConfig inspect(String name, String tag, Map<String, String> env,
      boolean pull) throws ImageException {
    String ref = name + ":" + tag;
    try (DockerClient docker = connect(ref, env)) {
      ContainerConfig c = present(docker, name, tag, env, pull).getConfig();
      if (c == null) {
        return ImageConfig.EMPTY;
      }
      return new ImageConfig(list(c.getEntrypoint()), list(c.getCmd()), list(c.getEnv()),
          Optional.ofNullable(c.getWorkingDir()).orElse(""));
    } catch (IOException | RuntimeException e) {
      throw new ImageException("image: docker:" + ref + ": " + e.getMessage(), e);
    }
  }

  private static List<String> list(String[] a) {
    return a == null ? List.of() : List.of(a);
  }

  private static DockerClient connect(String ref, Map<String, String> env)
      throws ImageException {
    try {
      return DockerEngine.connect(env);
    } catch (SandboxException e) {
      throw new ImageException("image: docker:" + ref + ": " + e.getMessage());
    }
  }

  /** The image's inspection; pulled first when it is missing and {@code pull} says so. */
  private static InspectImageResponse present(DockerClient docker, String name, String tag,
      Map<String, String> env, boolean pull) throws ImageException {
    String ref = name + ":" + tag;
    try {
      return docker.inspectImageCmd(ref).exec();
    } catch (NotFoundException e) {
      if (!pull) {
        throw new ImageException("image: docker:" + ref + ": the Docker engine at "
            + DockerEngine.host(env) + " has no such image; nemoclaw never pulls unless asked: "
            + "run `docker pull " + ref + "` (or build it) first, or run with --pull");
      }
    }
    try {
      docker.pullImageCmd(name).withTag(tag).exec(new PullImageResultCallback())
          .awaitCompletion();
      return docker.inspectImageCmd(ref).exec();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("image: docker:" + ref + ": interrupted while pulling");
    } catch (RuntimeException e) {
      throw new ImageException("image: docker:" + ref + ": pull failed (" + e.getMessage()
          + ")", e);
    }
  }
}
