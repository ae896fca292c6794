package dev.nemoclaw.sandbox.linux;

import dev.nemoclaw.sandbox.init.LibC;

import dev.nemoclaw.sandbox.SandboxPlan;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the cgroup hierarchy this host offers and makes one cgroup per sandbox, named {@code
 * nemoclaw-<name>-<supervisorPid>-<random>} under a {@code nemoclaw} parent, so {@link #sweep}
 * can tell which ones a dead supervisor left behind.
 *
 * <p>v2 as root: under the hierarchy's root. v2 rootless: under the highest ancestor of our own
 * cgroup that belongs to us (systemd's {@code user@UID.service} delegation). v1 (hybrid hosts):
 * one cgroup per controller hierarchy. When no cgroup can be made the answer says why; the caller
 * runs with {@code limits off: reason}, never silently.
 */
public final class Cgroups {
  static final List<String> V2_CONTROLLERS = List.of("memory", "pids", "cpu");
  static final String PARENT = "nemoclaw";
  private static final Pattern NAME = Pattern.compile("nemoclaw-(.+)-(\\d+)-([0-9a-f]{8})");

  /** What this host offers. */
  public sealed interface Mode {
    /** The unified hierarchy at {@code mount}; we live in {@code own}. */
    record V2(Path mount, Path own) implements Mode {}

    /** v1 controller → its hierarchy's mount point. */
    record V1(Map<String, Path> mounts) implements Mode {
      public V1 {
        mounts = Map.copyOf(mounts);
      }
    }

    record None(String reason) implements Mode {}
  }

  /** The result of {@link #create}. */
  public sealed interface Placement {
    record Placed(SandboxCgroup cgroup) implements Placement {}

    /** No cgroup: limits are off for this run, for {@code reason}. */
    record Unplaced(String reason) implements Placement {}
  }

  private final Mode mode;
  private final int uid;
  private final long supervisorPid;

  Cgroups(Mode mode, int uid, long supervisorPid) {
    this.mode = mode;
    this.uid = uid;
    this.supervisorPid = supervisorPid;
  }

  /** Reads this process's mounts and cgroup membership. */
  public static Cgroups detect() {
    String mountinfo = CgroupFiles.read(Path.of("/proc/self/mountinfo")).orElse("");
    String self = CgroupFiles.read(Path.of("/proc/self/cgroup")).orElse("");
    return new Cgroups(mode(mountinfo, self), LibC.C.getuid(), ProcessHandle.current().pid());
  }

  /** The hierarchy {@code mountinfo} and {@code /proc/self/cgroup} describe. */
  static Mode mode(String mountinfo, String selfCgroup) {
    Optional<Path> v2Mount = Optional.empty();
    String v2Root = "/";
    Map<String, Path> v1 = new LinkedHashMap<>();
    for (String line : mountinfo.lines().toList()) {
      String[] f = line.split(" ");
      int sep = List.of(f).indexOf("-");
      if (sep < 0 || f.length < sep + 4 || f.length < 5) {
        continue;
      }
      String fstype = f[sep + 1];
      Path point = Path.of(unescape(f[4]));
      if (fstype.equals("cgroup2") && v2Mount.isEmpty()) {
        v2Mount = Optional.of(point);
        v2Root = unescape(f[3]);
      } else if (fstype.equals("cgroup")) {
        for (String opt : f[sep + 3].split(",")) {
          if (CgroupV1.CONTROLLERS.contains(opt)) {
            v1.putIfAbsent(opt, point);
          }
        }
      }
    }
    if (v2Mount.isPresent()) {
      Path mount = v2Mount.get();
      Set<String> rootControllers = controllers(mount);
      boolean v2HasLimits = rootControllers.contains("memory") || rootControllers.contains("pids");
      boolean v1HasLimits = v1.containsKey("memory") || v1.containsKey("pids");
      if (v2HasLimits || !v1HasLimits) {
        return new Mode.V2(mount, ownDir(mount, v2Root, selfCgroup));
      }
    }
    if (!v1.isEmpty()) {
      return new Mode.V1(v1);
    }
    return new Mode.None("no cgroup filesystem is mounted");
  }

  private static Path ownDir(Path mount, String mountRoot, String selfCgroup) {
    String own = selfCgroup.lines().filter(l -> l.startsWith("0::"))
        .map(l -> l.substring(3)).findFirst().orElse("/");
    if (!mountRoot.equals("/") && own.startsWith(mountRoot)) {
      own = own.substring(mountRoot.length());
    }
    if (own.contains("..")) {
      return mount; // outside our cgroup namespace's view
    }
    Path dir = mount;
    for (String part : own.split("/")) {
      if (!part.isEmpty()) {
        dir = dir.resolve(part);
      }
    }
    return dir;
  }

  static Set<String> controllers(Path dir) {
    return words(dir.resolve("cgroup.controllers"));
  }

  private static Set<String> words(Path file) {
    return new LinkedHashSet<>(List.of(CgroupFiles.read(file).orElse("").strip().split("\\s+")));
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String s) {
    Matcher m = Pattern.compile("\\\\([0-7]{3})").matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(
          String.valueOf((char) Integer.parseInt(m.group(1), 8))));
    }
    return m.appendTail(out).toString();
  }

  public Mode mode() {
    return mode;
  }

  /** One line for {@code --dry-run} and {@code doctor}. */
  public String describe() {
    return switch (mode) {
      case Mode.V2 v -> "cgroup v2 (" + v2Base().map(Path::toString)
          .orElseGet(() -> "no delegated subtree for uid " + uid) + ")";
      case Mode.V1 v -> "cgroup v1 (" + String.join(", ", new TreeMap<>(v.mounts()).keySet()) + ")";
      case Mode.None n -> "no cgroups: " + n.reason();
    };
  }

  /** Makes the sandbox's cgroup with the plan's limits set. */
  public Placement create(String sandboxName, SandboxPlan.Resources res) {
    String name = cgroupName(sandboxName);
    return switch (mode) {
      case Mode.None n -> new Placement.Unplaced(n.reason());
      case Mode.V2 v -> createV2(v, name, res);
      case Mode.V1 v -> createV1(v, name, res);
    };
  }

  String cgroupName(String sandboxName) {
    String clean = sandboxName.toLowerCase().replaceAll("[^a-z0-9-]", "-");
    if (clean.length() > 63) {
      clean = clean.substring(0, 63);
    }
    byte[] rnd = new byte[4];
    ThreadLocalRandom.current().nextBytes(rnd);
    return "nemoclaw-" + clean + "-" + supervisorPid + "-" + HexFormat.of().formatHex(rnd);
  }

  /** Where our {@code nemoclaw} parent goes on v2. */
  Optional<Path> v2Base() {
    if (!(mode instanceof Mode.V2 v)) {
      return Optional.empty();
    }
    if (uid == 0) {
      return Optional.of(v.mount());
    }
    // the delegation root: the highest ancestor of our own cgroup that belongs to us
    Path found = null;
    for (Path d = v.own(); d != null && d.startsWith(v.mount()); d = d.getParent()) {
      if (ownedByUs(d)) {
        found = d;
      }
    }
    return Optional.ofNullable(found);
  }

  private boolean ownedByUs(Path d) {
    try {
      return ((Integer) Files.getAttribute(d, "unix:uid")) == uid
          && Files.isWritable(d.resolve("cgroup.procs"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private Placement createV2(Mode.V2 v, String name, SandboxPlan.Resources res) {
    Optional<Path> base = v2Base();
    if (base.isEmpty()) {
      return new Placement.Unplaced("cgroup v2: uid " + uid + " has no delegated cgroup subtree ("
          + v.own() + " is not ours); run inside a systemd user session or under"
          + " `systemd-run --user --scope -p Delegate=yes`");
    }
    Path parent = base.get().resolve(PARENT);
    try {
      Set<String> inBase = enable(base.get(), controllers(base.get()));
      if (!Files.isDirectory(parent)) {
        try {
          Files.createDirectory(parent);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // a concurrent run made it
        }
      }
      Set<String> available = enable(parent, inBase);
      return new Placement.Placed(CgroupV2.create(parent, name, available, res));
    } catch (AccessDeniedException e) {
      return new Placement.Unplaced("cgroup v2: cannot create " + parent.resolve(name)
          + ": permission denied");
    } catch (IOException e) {
      return new Placement.Unplaced("cgroup v2: cannot create " + parent.resolve(name) + ": "
          + e.getMessage());
    }
  }

  /**
   * Enables our controllers for the children of {@code dir} as far as it offers them; returns the
   * ones its children can use. Fails (EBUSY) only per controller, e.g. when {@code dir} holds
   * processes itself: those limits are then reported off, not faked.
   */
  private static Set<String> enable(Path dir, Set<String> offered) {
    Set<String> on = new LinkedHashSet<>(words(dir.resolve("cgroup.subtree_control")));
    for (String c : V2_CONTROLLERS) {
      if (!on.contains(c) && offered.contains(c)) {
        try {
          CgroupFiles.write(dir.resolve("cgroup.subtree_control"), "+" + c);
          on.add(c);
        } catch (IOException e) {
          // reported by CgroupV2 as "not limited"
        }
      }
    }
    on.retainAll(V2_CONTROLLERS);
    return on;
  }

  private Placement createV1(Mode.V1 v, String name, SandboxPlan.Resources res) {
    Map<String, Path> parents = new HashMap<>();
    v.mounts().forEach((c, mount) -> parents.put(c, mount.resolve(PARENT)));
    try {
      return new Placement.Placed(CgroupV1.create(parents, name, res));
    } catch (AccessDeniedException e) {
      return new Placement.Unplaced("cgroup v1: cannot create " + e.getFile()
          + ": permission denied (v1 hierarchies are not delegated to uid " + uid + ")");
    } catch (IOException e) {
      return new Placement.Unplaced("cgroup v1: " + e.getMessage());
    }
  }

  /**
   * Removes {@code nemoclaw-*} cgroups whose supervisor is gone, killing what is left in them
   * first. Returns how many sandboxes were swept.
   */
  public int sweep() {
    List<Path> parents = new ArrayList<>();
    switch (mode) {
      case Mode.V2 v -> v2Base().ifPresent(b -> parents.add(b.resolve(PARENT)));
      case Mode.V1 v -> v.mounts().values().stream().distinct()
          .forEach(m -> parents.add(m.resolve(PARENT)));
      case Mode.None n -> { }
    }
    Set<String> swept = new LinkedHashSet<>();
    // v1: one sandbox spans several hierarchies, so kill in all of them before removing any
    Map<String, Map<String, Path>> stale = new LinkedHashMap<>();
    for (Path parent : parents) {
      for (Path d : CgroupFiles.subdirs(parent)) {
        Matcher m = NAME.matcher(d.getFileName().toString());
        if (m.matches() && !alive(Long.parseLong(m.group(2)))) {
          stale.computeIfAbsent(d.getFileName().toString(), k -> new LinkedHashMap<>())
              .put(parent.toString(), d);
        }
      }
    }
    stale.forEach((name, dirs) -> {
      if (mode instanceof Mode.V2) {
        dirs.values().forEach(CgroupV2::kill);
      } else {
        Map<String, Path> byController = new HashMap<>();
        if (mode instanceof Mode.V1 v1) {
          v1.mounts().forEach((c, mnt) -> {
            Path d = mnt.resolve(PARENT).resolve(name);
            if (Files.isDirectory(d)) {
              byController.put(c, d);
            }
          });
        }
        CgroupV1.kill(byController);
      }
      boolean ok = true;
      for (Path d : dirs.values()) {
        try {
          CgroupFiles.removeTree(d);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        swept.add(name);
      }
    });
    return swept.size();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
