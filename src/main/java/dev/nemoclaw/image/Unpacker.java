package dev.nemoclaw.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies layer tars, in order, to a root filesystem directory that nemoclaw alone is building
 * (a private 0700 temp dir, so nothing races it). The layer content is hostile until proven
 * otherwise, and every rule fails closed with the entry and the layer named:
 *
 * <ul>
 *   <li>no absolute entry name and no {@code ..} component;
 *   <li>nothing is ever written through a symlink: every parent of an entry is looked at without
 *       following links, component by component, and a symlink there is refused;
 *   <li>a hard link names an earlier file inside the root, reached the same way;
 *   <li>a relative symlink may not climb out of the root from its own directory; an absolute one
 *       is kept as a link, never followed here (inside the sandbox it resolves in the sandbox's
 *       own root) — see docs/images.md;
 *   <li>no device files; fifos are skipped with a note (nothing in a read-only root can use one
 *       nemoclaw did not make itself);
 *   <li>permission bits are kept but setuid, setgid and sticky are dropped; owners are not kept.
 * </ul>
 *
 * Whiteouts follow the OCI layer spec: {@code .wh.NAME} removes NAME of lower layers,
 * {@code .wh..wh..opq} hides everything lower layers put in its directory.
 */
final class Unpacker {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final int DEFAULT_DIR_MODE = 0755;

  private final Path root;
  private final Consumer<String> notes;
  /** The mode each directory gets once every layer is in: until then all are owner-writable. */
  private final TreeMap<String, Integer> dirModes = new TreeMap<>();
  /** What the current layer put there, with their parents: an opaque whiteout keeps these. */
  private final Set<String> thisLayer = new HashSet<>();
  private String layer = "";

  Unpacker(Path root, Consumer<String> notes) {
    this.root = root;
    this.notes = notes;
  }

  /** Applies one uncompressed layer tar; {@code layerName} names it in errors. */
  void apply(InputStream tar, String layerName) throws ImageException, IOException {
    layer = layerName;
    thisLayer.clear();
    TarArchiveInputStream in = new TarArchiveInputStream(tar);
    TarArchiveEntry e;
    while ((e = nextEntry(in)) != null) {
      entry(e, in);
    }
  }

  private TarArchiveEntry nextEntry(TarArchiveInputStream in) throws ImageException {
    try {
      return in.getNextEntry();
    } catch (IOException e) {
      throw new ImageException("layer " + layer + ": not a valid tar (" + e.getMessage() + ")", e);
    }
  }

  /** Sets the directories' own modes, deepest first, once no entry will be written any more. */
  void finish() throws IOException {
    for (Map.Entry<String, Integer> d : dirModes.descendingMap().entrySet()) {
      Path p = d.getKey().isEmpty() ? root : root.resolve(d.getKey());
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.setPosixFilePermissions(p, perms(d.getValue()));
      }
    }
  }

  /**
   * Makes an empty directory (and its parents), given as an absolute path inside the image,
   * unless something is there already or the way there is not plain directories: then the image
   * is left as it is, and the sandbox init says so if it needs the directory.
   */
  void ensureDir(String path) throws IOException {
    ensure(path, true);
  }

  /**
   * An empty regular file, under the same rules as {@link #ensureDir}: a file a container engine
   * mounts over must exist in a read-only root.
   */
  void ensureFile(String path) throws IOException {
    ensure(path, false);
  }

  private void ensure(String path, boolean dir) throws IOException {
    layer = "(mountpoints)";
    try {
      List<String> parts = split(path.replaceFirst("^/+", ""), path);
      if (parts.isEmpty()) {
        return;
      }
      Path p = parents(parts, path).resolve(parts.getLast());
      if (Trees.exists(p)) {
        return;
      }
      if (dir) {
        Files.createDirectory(p);
        dirModes.put(String.join("/", parts), DEFAULT_DIR_MODE);
      } else {
        Files.createFile(p);
        Files.setPosixFilePermissions(p, perms(0644));
      }
    } catch (ImageException e) {
      // the way there crosses a symlink or '..': not ours to fix, and nothing was written
    }
  }

  private void entry(TarArchiveEntry e, TarArchiveInputStream in)
      throws ImageException, IOException {
    String name = e.getName();
    List<String> parts = split(name, name);
    if (parts.isEmpty()) {
      if (e.isDirectory()) {
        dirModes.put("", e.getMode() & 0777);
      }
      return; // the root itself: only its mode is taken
    }
    String base = parts.getLast();
    Path parent = parents(parts, name);
    String rel = String.join("/", parts);
    if (base.equals(OPAQUE)) {
      opaque(parent, String.join("/", parts.subList(0, parts.size() - 1)));
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      whiteout(parts, parent, name);
      return;
    }
    Path p = parent.resolve(base);
    mark(parts);
    if (e.isDirectory()) {
      if (!isDir(p)) {
        removeTree(p, rel);
        Files.createDirectory(p);
      }
      dirModes.put(rel, e.getMode() & 0777);
    } else if (e.isSymbolicLink()) {
      String target = e.getLinkName();
      if (!target.startsWith("/")) {
        checkRelativeLink(parts, target, name);
      }
      removeTree(p, rel);
      Files.createSymbolicLink(p, Path.of(target));
    } else if (e.isLink()) {
      hardLink(e, p, rel, name);
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      throw refuse(name, "is a " + (e.isCharacterDevice() ? "character" : "block") + " device ("
          + e.getDevMajor() + ":" + e.getDevMinor() + "); images may not carry device files");
    } else if (e.isFIFO()) {
      notes.accept("layer " + layer + ": skipped fifo " + name);
    } else if (e.isSparse()) {
      throw refuse(name, "is a sparse file, which image layers do not use; re-export the image");
    } else if (e.isFile()) {
      removeTree(p, rel);
      try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        in.transferTo(out);
      }
      Files.setPosixFilePermissions(p, perms(e.getMode()));
    } else {
      throw refuse(name, "has a tar entry type an image layer may not hold (only files, "
          + "directories, symlinks, hard links and fifos)");
    }
  }

  private void whiteout(List<String> parts, Path parent, String name)
      throws ImageException, IOException {
    String victim = parts.getLast().substring(WHITEOUT.length());
    if (victim.startsWith(WHITEOUT)) {
      return; // AUFS-internal markers (.wh..wh.plnk and friends) carry nothing for us
    }
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
      throw refuse(name, "is a whiteout of '" + victim + "', which names no entry");
    }
    List<String> target = new ArrayList<>(parts.subList(0, parts.size() - 1));
    target.add(victim);
    removeTree(parent.resolve(victim), String.join("/", target));
  }

  /** Everything below {@code dir} that this layer did not put there goes. */
  private void opaque(Path dir, String rel) throws IOException {
    if (!isDir(dir)) {
      return;
    }
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    for (Path c : children) {
      String crel = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
      if (!thisLayer.contains(crel)) {
        removeTree(c, crel);
      } else if (isDir(c)) {
        opaque(c, crel);
      }
    }
  }

  private void hardLink(TarArchiveEntry e, Path p, String rel, String name)
      throws ImageException, IOException {
    String linkName = e.getLinkName();
    List<String> tparts = split(linkName, name + " (hard link to " + linkName + ")");
    if (tparts.isEmpty()) {
      throw refuse(name, "is a hard link to the root directory");
    }
    Path target = parents(tparts, name + " (hard link to " + linkName + ")")
        .resolve(tparts.getLast());
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException x) {
      throw refuse(name, "is a hard link to " + linkName + ", which no earlier entry made");
    }
    if (a.isDirectory()) {
      throw refuse(name, "is a hard link to the directory " + linkName);
    }
    if (target.equals(p)) {
      return;
    }
    removeTree(p, rel);
    // link(2) does not follow a symlink target: linking one copies the link, never its target
    Files.createLink(p, target);
  }

  /** A relative link target, resolved lexically from the link's directory, must stay inside. */
  private void checkRelativeLink(List<String> parts, String target, String name)
      throws ImageException {
    Deque<String> at = new ArrayDeque<>(parts.subList(0, parts.size() - 1));
    for (String c : target.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (at.isEmpty()) {
          throw refuse(name, "is a symlink to " + target + ", which climbs out of the image root");
        }
        at.removeLast();
      } else {
        at.addLast(c);
      }
    }
  }

  /** The entry's path parts; refused when absolute or holding {@code ..}. */
  private List<String> split(String name, String what) throws ImageException {
    if (name.startsWith("/")) {
      throw refuse(what, "is an absolute path; layer entries must be relative to the image root");
    }
    List<String> parts = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.equals("..")) {
        throw refuse(what, "climbs out of the image root with '..'");
      }
      if (!c.isEmpty() && !c.equals(".")) {
        parts.add(c);
      }
    }
    return parts;
  }

  /**
   * The directory holding the entry, with each parent looked at without following links:
   * missing ones are made (0755, as Docker does), a symlink or a non-directory is refused.
   */
  private Path parents(List<String> parts, String what) throws ImageException, IOException {
    Path at = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      at = at.resolve(parts.get(i));
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(at, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException x) {
        Files.createDirectory(at);
        dirModes.put(String.join("/", parts.subList(0, i + 1)), DEFAULT_DIR_MODE);
        continue;
      }
      if (a.isSymbolicLink()) {
        throw refuse(what, "goes through " + String.join("/", parts.subList(0, i + 1))
            + ", a symlink; nemoclaw never writes through a symlink");
      }
      if (!a.isDirectory()) {
        throw refuse(what, "goes through " + String.join("/", parts.subList(0, i + 1))
            + ", which is not a directory");
      }
    }
    return at;
  }

  private void mark(List<String> parts) {
    for (int i = 1; i <= parts.size(); i++) {
      thisLayer.add(String.join("/", parts.subList(0, i)));
    }
  }

  /** Removes whatever is at {@code p}, never following a link; forgets its directory modes. */
  private void removeTree(Path p, String rel) throws IOException {
    if (Trees.exists(p)) {
      Trees.delete(p);
      dirModes.remove(rel);
      dirModes.subMap(rel + "/", rel + "0").clear(); // '0' sorts right after '/'
    }
  }

  private static boolean isDir(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }

  private ImageException refuse(String entry, String why) {
    return new ImageException("layer " + layer + ": entry '" + entry + "' " + why
        + "; the image was refused and nothing of it was kept");
  }

  /** Permission bits only: Java cannot even express setuid, setgid or sticky, so they go. */
  static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        s.add(bits[i]);
      }
    }
    return s;
  }
}
