package dev.nemoclaw.supervisor;

import dev.nemoclaw.image.CachedImage;
import dev.nemoclaw.image.DockerImages;
import dev.nemoclaw.image.ImageCache;
import dev.nemoclaw.image.ImageConfig;
import dev.nemoclaw.image.ImageException;
import dev.nemoclaw.image.Progress;
import dev.nemoclaw.sandbox.SandboxPlan;
import dev.nemoclaw.spec.Backend;
import dev.nemoclaw.spec.Image;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The spec's {@code image} as the sandbox's root: host dirs, a directory, or an OCI or Docker
 * image unpacked into the image cache (imported on first use, reused while unchanged), with what
 * the image says about running it. On backend docker an image of the engine is used as it is.
 */
final class ImageRoots {
  /** The root, and the image's run config ({@link ImageConfig#EMPTY} for host and dir:). */
  record Resolved(SandboxPlan.RootFs root, ImageConfig config) {}

  private ImageRoots() {}

  static Resolved resolve(Image image, Backend backend, boolean pull,
      Map<String, String> hostEnv, Progress progress) throws Planner.PlanException {
    try {
      return switch (image) {
        case Image.Host h -> new Resolved(new SandboxPlan.RootFs.Host(Planner.HOST_SYSTEM_DIRS
            .stream().filter(d -> Files.exists(Path.of(d), LinkOption.NOFOLLOW_LINKS)).toList()),
            ImageConfig.EMPTY);
        case Image.Dir d -> new Resolved(new SandboxPlan.RootFs.Dir(d.path()), ImageConfig.EMPTY);
        case Image.Oci oci -> cached(ImageCache.fromEnvironment(hostEnv)
            .importOnce(oci.path(), progress));
        case Image.Docker dk when backend == Backend.DOCKER -> new Resolved(
            new SandboxPlan.RootFs.Image(dk.name() + ":" + dk.tag()),
            DockerImages.inspect(dk.name(), dk.tag(), hostEnv, pull));
        case Image.Docker dk -> cached(DockerImages.resolve(ImageCache.fromEnvironment(hostEnv),
            dk.name(), dk.tag(), hostEnv, pull, progress));
      };
    } catch (ImageException e) {
      throw new Planner.PlanException(e.getMessage());
    }
  }

  private static Resolved cached(CachedImage i) {
    return new Resolved(new SandboxPlan.RootFs.Dir(i.rootfs()), i.config());
  }
}
