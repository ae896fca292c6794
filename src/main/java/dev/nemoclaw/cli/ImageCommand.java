package dev.nemoclaw.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nemoclaw.image.CachedImage;
import dev.nemoclaw.image.ImageCache;
import dev.nemoclaw.image.ImageException;
import dev.nemoclaw.image.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "The local image cache used by `image: oci:PATH` and `image: docker:NAME` "
        + "(STATE/images; see docs/images.md).",
    subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class})
final class ImageCommand {
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Unpack an OCI image layout or an OCI/docker-archive tar into the cache; "
          + "prints its digest and name.",
      footer = {"", "Layers may be tar, gzip or zstd (zstd needs the zstd program). Every blob is "
          + "checked against its digest; entries that are absolute, climb out with '..', go "
          + "through a symlink, or are devices are refused, and nothing is kept.",
          "Exit codes: 0 imported (or already cached); 1 refused or unreadable; 2 usage error."})
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", description = "an OCI layout directory or a tar")
    Path path;

    @Option(names = "--name", paramLabel = "NAME",
        description = "name it (default: the name the archive records, if any)")
    String name;

    @Override
    public Integer call() {
      try {
        CachedImage i = ImageCache.fromEnvironment(System.getenv())
            .importPath(path, Optional.ofNullable(name), Progress.toStderr());
        System.out.println(i.digest() + (i.names().isEmpty() ? "" : " "
            + String.join(" ", i.names())));
        return 0;
      } catch (ImageException e) {
        System.err.println("nemoclaw image import: " + e.getMessage());
        return 1;
      }
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List cached images.",
      footer = {"", "-o json: an array of {digest, names, sizeBytes, importedAt, created, "
          + "platform, source, rootfs, config: {entrypoint, cmd, env, workingDir}}; created is "
          + "null when the image does not say.",
          "Exit codes: 0 listed (even if none); 1 the cache is unreadable; 2 usage error."})
  static final class Ls implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, description = "text (default) or json",
        defaultValue = "text")
    OutputFormat output;

    @Override
    public Integer call() {
      List<CachedImage> images;
      try {
        images = ImageCache.fromEnvironment(System.getenv()).list();
      } catch (ImageException e) {
        System.err.println("nemoclaw image ls: " + e.getMessage());
        return 1;
      }
      if (output == OutputFormat.json) {
        ObjectMapper m = new ObjectMapper();
        ArrayNode out = m.createArrayNode();
        for (CachedImage i : images) {
          ObjectNode o = out.addObject();
          o.put("digest", i.digest().toString());
          i.names().forEach(o.putArray("names")::add); // the receiver is made once, even if empty
          o.put("sizeBytes", i.sizeBytes());
          o.put("importedAt", i.importedAt().toString());
          o.put("created", i.created().orElse(null));
          o.put("platform", i.platform());
          o.put("source", i.source());
          o.put("rootfs", i.rootfs().toString());
          ObjectNode c = o.putObject("config");
          i.config().entrypoint().forEach(c.putArray("entrypoint")::add);
          i.config().cmd().forEach(c.putArray("cmd")::add);
          i.config().env().forEach(c.putArray("env")::add);
          c.put("workingDir", i.config().workingDir());
        }
        Json.print(out);
        return 0;
      }
      if (images.isEmpty()) {
        Human.say("no image is cached; `nemoclaw image import PATH` adds one");
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (CachedImage i : images) {
        List<String> names = i.names().isEmpty() ? List.of("<none>") : i.names();
        for (String n : names) {
          rows.add(List.of(n, i.digest().shortHex(), Human.bytes(i.sizeBytes()),
              i.created().map(ImageCommand::day).orElse("-"), day(i.importedAt().toString())));
        }
      }
      System.out.print(Human.table(List.of("NAME", "DIGEST", "SIZE", "CREATED", "IMPORTED"),
          rows));
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a cached image.",
      footer = {"", "By name: that name goes, and the image with its last name. By digest or a "
          + "unique digest prefix: the image and all its names. A sandbox running from it keeps "
          + "running only until it needs a file it has not opened yet: stop it first.",
          "Exit codes: 0 removed; 1 no such image or an ambiguous prefix; 2 usage error."})
  static final class Rm implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "the image's name, digest or digest prefix")
    String image;

    @Override
    public Integer call() {
      try {
        ImageCache.Removed r = ImageCache.fromEnvironment(System.getenv()).remove(image);
        r.untagged().forEach(n -> System.out.println("untagged: " + n));
        if (r.deleted()) {
          System.out.println("deleted: " + r.digest());
        }
        return 0;
      } catch (ImageException e) {
        System.err.println("nemoclaw image rm: " + e.getMessage());
        return 1;
      }
    }
  }

  /** The date and minute of an ISO instant: enough to tell imports apart in a table. */
  private static String day(String iso) {
    return iso.length() >= 16 ? iso.substring(0, 10) + " " + iso.substring(11, 16) : iso;
  }
}
