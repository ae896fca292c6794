package dev.nemoclaw.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "The local image cache used by `image: oci:PATH` and `image: docker:NAME`.",
    subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
final class ImageCommand {
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Unpack an OCI image layout or an OCI/docker-archive tar into the cache.")
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "an OCI layout directory or a tar")
    String path;

    @Override
    public Integer call() {
      return NotAvailable.say("image import");
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List cached images.")
  static final class Ls implements Callable<Integer> {
    @Override
    public Integer call() {
      return NotAvailable.say("image ls");
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a cached image.")
  static final class Rm implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "the image's name or digest")
    String image;

    @Override
    public Integer call() {
      return NotAvailable.say("image rm");
    }
  }
}
