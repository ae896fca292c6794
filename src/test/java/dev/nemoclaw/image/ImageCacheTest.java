package dev.nemoclaw.image;

import static dev.nemoclaw.image.Layouts.device;
import static dev.nemoclaw.image.Layouts.dir;
import static dev.nemoclaw.image.Layouts.fifo;
import static dev.nemoclaw.image.Layouts.file;
import static dev.nemoclaw.image.Layouts.hardlink;
import static dev.nemoclaw.image.Layouts.layer;
import static dev.nemoclaw.image.Layouts.symlink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {
  @TempDir Path tmp;

  ImageCache cache() {
    return ImageCache.at(tmp.resolve("state"));
  }

  CachedImage importDir(String sub, Layouts.Config c, byte[]... layers) throws Exception {
    Path d = Layouts.ociDir(tmp.resolve(sub), c, layers);
    return cache().importPath(d, Optional.empty(), Progress.silent());
  }

  /** Nothing of a refused image is kept: no image, no leftover work dir. */
  void assertCacheEmpty() throws Exception {
    assertEquals(List.of(), cache().list());
    Path work = cache().dir().resolve("tmp");
    if (Files.isDirectory(work)) {
      try (Stream<Path> s = Files.list(work)) {
        assertEquals(List.of(), s.toList());
      }
    }
  }

  ImageException refused(byte[]... layers) throws Exception {
    ImageException e = assertThrows(ImageException.class,
        () -> importDir("bad-" + System.nanoTime(), Layouts.Config.plain(), layers));
    assertCacheEmpty();
    return e;
  }

  @Test
  void filesDirsLinksAndModesAreUnpacked() throws Exception {
    CachedImage i = importDir("ok", new Layouts.Config(List.of("/bin/app"), List.of("--x"),
        List.of("PATH=/opt/bin:/bin", "A=b"), "/work", "amd64"), layer(
        dir("bin/", 0755), file("bin/app", "#!/bin/sh\n", 0755), file("bin/su", "x", 04755),
        file("etc/secret", "s", 0600), dir("ro/", 0555), file("ro/f", "f"),
        symlink("etc/localtime", "/usr/share/zoneinfo/UTC"), symlink("bin/sh", "app"),
        hardlink("bin/app2", "bin/app"), fifo("run/fifo")));
    Path r = i.rootfs();
    assertEquals("#!/bin/sh\n", Files.readString(r.resolve("bin/app")));
    assertEquals("rwxr-xr-x", perms(r.resolve("bin/app")));
    assertEquals("rwxr-xr-x", perms(r.resolve("bin/su")), "setuid must be dropped");
    assertEquals("rw-------", perms(r.resolve("etc/secret")));
    assertEquals("r-xr-xr-x", perms(r.resolve("ro")), "directory modes apply at the end");
    assertEquals(Path.of("/usr/share/zoneinfo/UTC"), Files.readSymbolicLink(r.resolve(
        "etc/localtime")), "absolute symlinks are kept as links");
    assertEquals(Files.readAttributes(r.resolve("bin/app"), "unix:ino"),
        Files.readAttributes(r.resolve("bin/app2"), "unix:ino"));
    assertFalse(Files.exists(r.resolve("run/fifo"), LinkOption.NOFOLLOW_LINKS));
    for (String mp : List.of("proc", "dev", "tmp", "sandbox", "work")) {
      assertTrue(Files.isDirectory(r.resolve(mp)), mp + ": mountpoints the init needs");
    }
    assertEquals(List.of("/bin/app", "--x"), i.config().command().orElseThrow());
    assertEquals("/opt/bin:/bin", i.config().envMap().get("PATH"));
    assertEquals("/work", i.config().workingDir());
    assertTrue(i.sizeBytes() > 0);
  }

  @Test
  void whiteoutsAndOpaqueDirectoriesHideLowerLayers() throws Exception {
    CachedImage i = importDir("wh", Layouts.Config.plain(),
        layer(file("a/x", "1"), file("a/y", "2"), file("b/z", "3"), file("b/sub/deep", "4"),
            file("c/keep", "5")),
        layer(file("a/.wh.x", ""), dir("b/", 0755), file("b/.wh..wh..opq", ""),
            file("b/new", "6"), file("b/sub/mine", "7"), file("c/.wh.keep", ""),
            file("c/keep", "8")));
    Path r = i.rootfs();
    assertFalse(Files.exists(r.resolve("a/x")));
    assertTrue(Files.exists(r.resolve("a/y")));
    assertFalse(Files.exists(r.resolve("b/z")), "opaque: lower entries gone");
    assertFalse(Files.exists(r.resolve("b/sub/deep")), "opaque reaches below too");
    assertEquals("6", Files.readString(r.resolve("b/new")));
    assertEquals("7", Files.readString(r.resolve("b/sub/mine")));
    assertEquals("8", Files.readString(r.resolve("c/keep")), "a later entry comes back");
    assertFalse(Files.exists(r.resolve("a/.wh.x")));
  }

  @Test
  void laterLayersReplaceFilesDirectoriesAndLinks() throws Exception {
    CachedImage i = importDir("replace", Layouts.Config.plain(),
        layer(file("x", "file"), dir("d/", 0755), file("d/f", "f"), symlink("l", "/etc")),
        layer(dir("x/", 0700), file("d", "now a file"), file("l", "now a file too")));
    Path r = i.rootfs();
    assertTrue(Files.isDirectory(r.resolve("x")));
    assertEquals("now a file", Files.readString(r.resolve("d")));
    assertFalse(Files.isSymbolicLink(r.resolve("l")));
  }

  @Test
  void dotDotEscapeIsRefused() throws Exception {
    ImageException e = refused(layer(file("../escape", "x")));
    assertTrue(e.getMessage().contains("'../escape'") && e.getMessage().contains(".."),
        e.getMessage());
    assertFalse(Files.exists(tmp.resolve("escape")));
  }

  @Test
  void absolutePathIsRefused() throws Exception {
    ImageException e = refused(layer(file("/etc/evil", "x")));
    assertTrue(e.getMessage().contains("'/etc/evil'") && e.getMessage().contains("absolute"),
        e.getMessage());
  }

  @Test
  void writingThroughASymlinkIsRefused() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    for (String target : List.of(outside.toString(), "../../../../../../../" + outside)) {
      // the relative one is refused earlier (climbs out), the absolute one when written through
      ImageException e = refused(layer(symlink("link", outside.toString()),
          file("link/pwned", "x")));
      assertTrue(e.getMessage().contains("'link/pwned'") && e.getMessage().contains("symlink"),
          target + ": " + e.getMessage());
    }
    // also across layers, and a directory symlink pointing inside the root
    ImageException e = refused(layer(dir("real/", 0755), symlink("inner", "real")),
        layer(file("inner/f", "x")));
    assertTrue(e.getMessage().contains("goes through inner, a symlink"), e.getMessage());
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "nothing was written outside");
    }
  }

  @Test
  void hardLinksThatEscapeOrGoThroughSymlinksAreRefused() throws Exception {
    ImageException up = refused(layer(hardlink("passwd", "../../../../etc/passwd")));
    assertTrue(up.getMessage().contains("'passwd (hard link to ../../../../etc/passwd)'"),
        up.getMessage());
    ImageException abs = refused(layer(hardlink("passwd", "/etc/passwd")));
    assertTrue(abs.getMessage().contains("absolute"), abs.getMessage());
    ImageException via = refused(layer(symlink("etc", "/etc"), hardlink("passwd", "etc/passwd")));
    assertTrue(via.getMessage().contains("symlink"), via.getMessage());
    ImageException missing = refused(layer(hardlink("x", "nowhere")));
    assertTrue(missing.getMessage().contains("no earlier entry"), missing.getMessage());
  }

  @Test
  void deviceFilesAreRefused() throws Exception {
    ImageException e = refused(layer(device("dev/kmem")));
    assertTrue(e.getMessage().contains("'dev/kmem'") && e.getMessage().contains("device"),
        e.getMessage());
  }

  @Test
  void relativeSymlinksThatClimbOutAreRefused() throws Exception {
    ImageException e = refused(layer(symlink("a/b/up", "../../../etc/shadow")));
    assertTrue(e.getMessage().contains("'a/b/up'") && e.getMessage().contains("climbs out"),
        e.getMessage());
    // staying inside is fine, however deep it goes first
    importDir("inside", Layouts.Config.plain(), layer(symlink("a/b/ok", "../../etc/../x")));
  }

  @Test
  void whiteoutsCannotDeleteOutside() throws Exception {
    Path victim = Files.writeString(Files.createDirectories(tmp.resolve("victims")).resolve("v"),
        "keep me");
    refused(layer(file("../.wh.victims", "")));
    ImageException e = refused(layer(symlink("l", victim.getParent().toString()),
        file("l/.wh.v", "")));
    assertTrue(e.getMessage().contains("symlink"), e.getMessage());
    refused(layer(file("a/.wh...", "")));
    assertEquals("keep me", Files.readString(victim));
  }

  @Test
  void aBlobWhoseDigestDoesNotMatchIsRefusedByName() throws Exception {
    byte[] l = layer(file("f", "original"));
    Path d = Layouts.ociDir(tmp.resolve("tampered"), Layouts.Config.plain(), l);
    Path blob = d.resolve("blobs/sha256/" + Digest.of(l).hex());
    byte[] evil = layer(file("f", "replaced"));
    Files.write(blob, evil); // same size: only the digest can tell
    assertEquals(l.length, evil.length);
    ImageException e = assertThrows(ImageException.class,
        () -> cache().importPath(d, Optional.empty(), Progress.silent()));
    assertTrue(e.getMessage().contains(Digest.of(l).shortHex())
        && e.getMessage().contains("digest"), e.getMessage());
    assertCacheEmpty();
  }

  @Test
  void aTamperedManifestOrConfigIsRefused() throws Exception {
    Path d = Layouts.ociDir(tmp.resolve("cfg"), Layouts.Config.plain(), layer(file("f", "x")));
    try (Stream<Path> s = Files.list(d.resolve("blobs/sha256"))) {
      for (Path b : s.toList()) {
        if (Files.readString(b, java.nio.charset.StandardCharsets.ISO_8859_1).contains("\"Cmd\"")) {
          Files.writeString(b, Files.readString(b).replace("/bin/sh", "/bin/xx"));
        }
      }
    }
    ImageException e = assertThrows(ImageException.class,
        () -> cache().importPath(d, Optional.empty(), Progress.silent()));
    assertTrue(e.getMessage().contains("corrupt or was altered"), e.getMessage());
  }

  @Test
  void gzipLayersAnOciTarAndADockerArchive() throws Exception {
    byte[] l1 = layer(file("etc/one", "1"));
    byte[] l2 = layer(file("etc/two", "2"));
    Map<String, byte[]> oci = Layouts.oci(Layouts.Config.plain(), List.of(l1, l2),
        List.of(Layouts.gzip(l1), Layouts.gzip(l2)), "oci-name:1");
    CachedImage a = cache().importPath(Layouts.writeTar(tmp.resolve("oci.tar"), oci),
        Optional.empty(), Progress.silent());
    assertEquals("2", Files.readString(a.rootfs().resolve("etc/two")));
    assertEquals(List.of("oci-name:1"), a.names());
    Map<String, byte[]> da = Layouts.dockerArchive(Layouts.Config.plain(), List.of(l1, l2),
        "docker-name:2");
    CachedImage b = cache().importPath(Layouts.writeTar(tmp.resolve("da.tar"), da),
        Optional.empty(), Progress.silent());
    assertEquals(a.digest(), b.digest(), "the same config: the same cached image");
    assertEquals(List.of("docker-name:2", "oci-name:1"), cache().find(a.digest()).orElseThrow()
        .names());
  }

  @Test
  void aDockerArchiveWithATamperedLayerIsRefused() throws Exception {
    byte[] l1 = layer(file("etc/one", "1"));
    Map<String, byte[]> da = Layouts.dockerArchive(Layouts.Config.plain(), List.of(l1), "x:1");
    da.put(Digest.of(l1).hex() + "/layer.tar", layer(file("etc/one", "2")));
    assertThrows(ImageException.class, () -> cache().importPath(
        Layouts.writeTar(tmp.resolve("da.tar"), da), Optional.empty(), Progress.silent()));
    assertCacheEmpty();
  }

  @Test
  void zstdLayersGoThroughTheZstdProgram() throws Exception {
    Assumptions.assumeTrue(Zstd.onPath("zstd").isPresent(), "no zstd program");
    byte[] l = layer(file("z", "zstd"));
    Process p = new ProcessBuilder("zstd", "-q", "-c").start();
    try (var in = p.getOutputStream()) {
      in.write(l);
    }
    byte[] z = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
    Path d = Layouts.writeDir(tmp.resolve("zst"), Layouts.oci(Layouts.Config.plain(), List.of(l),
        List.of(z), ""));
    CachedImage i = cache().importPath(d, Optional.empty(), Progress.silent());
    assertEquals("zstd", Files.readString(i.rootfs().resolve("z")));
  }

  @Test
  void anIndexOfPlatformsPicksTheHostsOrNamesThem() throws Exception {
    byte[] l = layer(file("f", "x"));
    Path arm = Layouts.writeDir(tmp.resolve("arm"), Layouts.oci(new Layouts.Config(List.of(),
        List.of("sh"), List.of(), "", "arm64"), List.of(l), List.of(l), ""));
    // an index entry without a platform is taken, then its config's platform is checked
    ImageException e = assertThrows(ImageException.class,
        () -> cache().importPath(arm, Optional.empty(), Progress.silent()));
    assertTrue(e.getMessage().contains("linux/arm64"), e.getMessage());
    // an index naming platforms: only other platforms → the error lists them
    String index = Files.readString(arm.resolve("index.json")).replace("\"size\"",
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"},\"size\"");
    Files.writeString(arm.resolve("index.json"), index);
    ImageException listed = assertThrows(ImageException.class,
        () -> cache().importPath(arm, Optional.empty(), Progress.silent()));
    assertTrue(listed.getMessage().contains("it holds linux/arm64"), listed.getMessage());
    assertCacheEmpty();
  }

  @Test
  void aLeftoverWorkDirIsNeverUsedAndIsSwept() throws Exception {
    Path dead = cache().dir().resolve("tmp/999999999-crashed");
    Files.createDirectories(dead.resolve("rootfs/etc"));
    Files.writeString(dead.resolve("image.json"), "{}");
    assertEquals(List.of(), cache().list());
    importDir("after", Layouts.Config.plain(), layer(file("f", "x")));
    assertFalse(Files.exists(dead), "a dead import's work dir is swept");
    assertEquals(1, cache().list().size());
  }

  @Test
  void anUnchangedSourceIsNotUnpackedTwice() throws Exception {
    Path d = Layouts.ociDir(tmp.resolve("once"), Layouts.Config.plain(), layer(file("f", "x")));
    CachedImage first = cache().importOnce(d, Progress.silent());
    Object inode = Files.readAttributes(first.rootfs().resolve("f"), "unix:ino");
    Files.delete(d.resolve("blobs/sha256/" + Digest.of(layer(file("f", "x"))).hex()));
    CachedImage again = cache().importOnce(d, Progress.silent()); // would fail if it read blobs
    assertEquals(first.digest(), again.digest());
    assertEquals(inode, Files.readAttributes(again.rootfs().resolve("f"), "unix:ino"));
  }

  @Test
  void rmByNameByDigestAndAmbiguousPrefixes() throws Exception {
    List<CachedImage> images = new ArrayList<>();
    for (int n = 0; n < 17; n++) { // 17 digests: two share a first hex digit
      images.add(cache().importPath(Layouts.ociDir(tmp.resolve("i" + n), new Layouts.Config(
          List.of(), List.of("echo", "" + n), List.of(), "", "amd64"), layer(file("f", "x"))),
          Optional.of("img" + n), Progress.silent()));
    }
    assertEquals(17, cache().list().size());
    String shared = images.stream().map(i -> i.digest().hex().substring(0, 1))
        .filter(c -> images.stream().filter(i -> i.digest().hex().startsWith(c)).count() > 1)
        .findFirst().orElseThrow();
    ImageException amb = assertThrows(ImageException.class, () -> cache().remove(shared));
    assertTrue(amb.getMessage().contains("ambiguous"), amb.getMessage());
    assertEquals(17, cache().list().size());

    CachedImage first = images.getFirst();
    cache().importPath(Layouts.ociDir(tmp.resolve("i0"), new Layouts.Config(List.of(),
        List.of("echo", "0"), List.of(), "", "amd64"), layer(file("f", "x"))),
        Optional.of("also"), Progress.silent());
    assertEquals(List.of("also", "img0"), cache().find(first.digest()).orElseThrow().names());
    ImageCache.Removed byName = cache().remove("img0");
    assertFalse(byName.deleted(), "another name still points at it");
    assertEquals(List.of("also"), cache().find(first.digest()).orElseThrow().names());
    ImageCache.Removed byDigest = cache().remove("sha256:" + first.digest().hex().substring(0, 20));
    assertTrue(byDigest.deleted());
    assertEquals(List.of("also"), byDigest.untagged());
    assertFalse(Files.exists(first.rootfs()));
    assertEquals(16, cache().list().size());
    assertThrows(ImageException.class, () -> cache().remove("nope"));
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p,
        LinkOption.NOFOLLOW_LINKS));
  }
}
