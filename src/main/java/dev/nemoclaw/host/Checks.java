package dev.nemoclaw.host;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The doctor's checks. One method per check, in report order; each returns one finding. */
final class Checks {

  @FunctionalInterface
  interface Body {
    HostProbe.Outcome run() throws Exception;
  }

  /** The init's probe, or why there is none. */
  record InitAnswer(Optional<InitProbe> probe, String why) {}

  /** An actual attempt to create a user namespace. {@code works} empty: nothing could test it. */
  record Attempt(Optional<Boolean> works, String how, String error) {}

  private final HostView view;
  private final Duration timeout;
  private final long deadline;
  private final Future<InitAnswer> initProbe;
  private final Future<Attempt> usernsAttempt;

  Checks(HostView view, ExecutorService pool, Duration timeout, long deadline) {
    this.view = view;
    this.timeout = timeout;
    this.deadline = deadline;
    // shared by userns, landlock, seccomp and nested: run each helper once, up front
    this.initProbe = pool.submit(this::askInit);
    this.usernsAttempt = pool.submit(this::tryUserns);
  }

  List<HostProbe.Check> all() {
    return List.of(
        new HostProbe.Check("kernel", this::kernel),
        new HostProbe.Check("userns", this::userns),
        new HostProbe.Check("landlock", this::landlock),
        new HostProbe.Check("seccomp", this::seccomp),
        new HostProbe.Check("cgroups", this::cgroups),
        new HostProbe.Check("init", this::init),
        new HostProbe.Check("docker", this::docker),
        new HostProbe.Check("nested", this::nested));
  }

  private Duration remaining() {
    return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
  }

  private <T> T await(Future<T> f) throws InterruptedException, TimeoutException {
    try {
      return f.get(remaining().toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  // ---- kernel

  private HostProbe.Outcome kernel() {
    String release = view.read("/proc/sys/kernel/osrelease").map(String::strip).orElse("unknown");
    return HostProbe.Outcome.of(Finding.ok("kernel", "Linux " + release + " " + view.arch()));
  }

  // ---- the sandbox init's own probe

  private InitAnswer askInit() throws InterruptedException {
    Optional<Path> init = view.init().filter(Files::isExecutable);
    if (init.isEmpty()) {
      return new InitAnswer(Optional.empty(), "nemoclaw-init not built");
    }
    try {
      // leave the rest of the budget to the fallbacks should the init hang
      Exec.Result r = Exec.run(List.of(init.get().toString(), "--probe"),
          Duration.ofNanos(timeout.toNanos() * 6 / 10));
      Optional<InitProbe> p = InitProbe.parse(r.stdout());
      if (p.isPresent()) {
        return new InitAnswer(p, "");
      }
      return new InitAnswer(Optional.empty(), "nemoclaw-init --probe gave no probe (exit "
          + r.exit() + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()) + ")");
    } catch (TimeoutException e) {
      return new InitAnswer(Optional.empty(), "nemoclaw-init --probe timed out");
    } catch (IOException e) {
      return new InitAnswer(Optional.empty(), "cannot run nemoclaw-init: " + e.getMessage());
    }
  }

  // ---- userns

  private Attempt tryUserns() throws InterruptedException, TimeoutException {
    InitAnswer init = await(initProbe);
    if (init.probe().isPresent()) {
      InitProbe p = init.probe().get();
      return new Attempt(Optional.of(p.userns()), "nemoclaw-init --probe", p.usernsError());
    }
    if (view.unshare().isEmpty()) {
      return new Attempt(Optional.empty(), "", init.why() + "; no unshare(1) either");
    }
    try {
      Exec.Result r = Exec.run(
          List.of(view.unshare().get().toString(), "--user", "--map-root-user", "true"),
          remaining());
      return new Attempt(Optional.of(r.exit() == 0), "unshare --user", r.firstLine());
    } catch (IOException e) {
      return new Attempt(Optional.empty(), "", "cannot run unshare: " + e.getMessage());
    }
  }

  private HostProbe.Outcome userns() throws InterruptedException, TimeoutException {
    String id = "userns";
    Optional<Long> max = view.readLong("/proc/sys/user/max_user_namespaces");
    if (max.isPresent() && max.get() == 0) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "user.max_user_namespaces is 0: nobody can create a user namespace",
          "sudo sysctl -w user.max_user_namespaces=15000"
              + " (and put it in /etc/sysctl.d/90-nemoclaw.conf)"));
    }
    if (!view.isRoot()
        && view.readLong("/proc/sys/kernel/unprivileged_userns_clone").orElse(1L) == 0) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "kernel.unprivileged_userns_clone is 0: only root may create user namespaces",
          "sudo sysctl -w kernel.unprivileged_userns_clone=1, or run nemoclaw as root"));
    }
    boolean apparmor = !view.isRoot()
        && view.readLong("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").orElse(0L) == 1;
    Attempt a = await(usernsAttempt);
    if (a.works().orElse(false)) {
      String note = apparmor
          ? "; AppArmor restricts unprivileged user namespaces but a profile allows this one" : "";
      return new HostProbe.Outcome(
          Finding.ok(id, "user namespaces work (tested with " + a.how() + ")" + note),
          f -> f.userns = true);
    }
    String error = a.error().isBlank() ? "" : ": " + a.error();
    if (apparmor) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "AppArmor blocks unprivileged user namespaces"
              + " (kernel.apparmor_restrict_unprivileged_userns=1)" + error,
          apparmorFix()));
    }
    if (a.works().isEmpty()) {
      return HostProbe.Outcome.of(Finding.of(id, Status.WARN,
          "not tested: " + a.error() + " (the sysctls allow user namespaces)",
          "build nemoclaw-init with ./nemoclaw, or sudo apt-get install util-linux"));
    }
    return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
        "cannot create a user namespace (tested with " + a.how() + ")" + error,
        nestedHint().isPresent()
            ? "run the outer container with --security-opt seccomp=unconfined"
                + " --security-opt apparmor=unconfined, or use backend: docker"
            : "check dmesg and sysctl user.max_user_namespaces; see docs/doctor.md#userns"));
  }

  private String apparmorFix() {
    return "install the AppArmor profile for " + view.init().map(Path::toString)
        .orElse("nemoclaw-init") + " from docs/doctor.md#userns, or"
        + " sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0";
  }

  // ---- landlock

  private HostProbe.Outcome landlock() throws InterruptedException, TimeoutException {
    String id = "landlock";
    InitAnswer init = await(initProbe);
    int abi = init.probe().map(InitProbe::landlockAbi).orElse(0);
    String source = "nemoclaw-init --probe";
    Landlock.Answer answer = abi > 0 ? new Landlock.Answer.Abi(abi) : view.landlock().get();
    if (abi == 0) {
      source = "landlock_create_ruleset";
    }
    Optional<String> lsm = view.read("/sys/kernel/security/lsm").map(String::strip);
    return switch (answer) {
      case Landlock.Answer.Abi(int v) when v > 0 -> {
        String detail = "ABI " + v + " (from " + source + "): " + landlockFeatures(v);
        Finding f = v >= 6 ? Finding.ok(id, detail) : Finding.of(id, Status.WARN, detail,
            "upgrade to Linux >= 6.12 (ABI 6) for TCP rules and signal/abstract-socket scoping");
        yield new HostProbe.Outcome(f, facts -> facts.landlockAbi = v);
      }
      case Landlock.Answer.Abi abiAnswer -> HostProbe.Outcome.of(Finding.of(id, Status.ERROR,
          "the kernel answered ABI " + abiAnswer.version(), "see docs/doctor.md#landlock"));
      case Landlock.Answer.Errno(int e) when e == Landlock.EOPNOTSUPP
          || lsm.isPresent() && !lsmList(lsm.get()).contains("landlock") ->
          HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
              "compiled into the kernel but not enabled"
                  + lsm.map(l -> " (active LSMs: " + l + ")").orElse(""),
              "add landlock to the lsm= boot parameter (e.g. GRUB_CMDLINE_LINUX=\"lsm=landlock,"
                  + (lsm.isPresent() ? lsm.get() : "lockdown,yama,apparmor,bpf")
                  + "\", update-grub, reboot), or set security.landlock: best-effort"));
      case Landlock.Answer.Errno(int e) when e == Landlock.ENOSYS ->
          HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
              "not in this kernel (needs Linux >= 5.13 with CONFIG_SECURITY_LANDLOCK=y)",
              "boot a kernel with Landlock (Debian 12 and Ubuntu 22.04 have one), or set"
                  + " security.landlock: best-effort"));
      case Landlock.Answer.Errno(int e) -> HostProbe.Outcome.of(Finding.of(id, Status.ERROR,
          "landlock_create_ruleset failed with errno " + e,
          "see docs/doctor.md#landlock"));
      case Landlock.Answer.Untested(String why) -> HostProbe.Outcome.of(Finding.of(id,
          Status.WARN, "not tested: " + why + "; " + init.why(),
          "build nemoclaw-init with ./nemoclaw (it probes Landlock)"));
    };
  }

  private static List<String> lsmList(String lsm) {
    return List.of(lsm.split(","));
  }

  static String landlockFeatures(int abi) {
    List<String> has = new ArrayList<>();
    has.add("filesystem rules");
    if (abi >= 4) {
      has.add("TCP bind/connect rules");
    }
    if (abi >= 6) {
      has.add("signal and abstract-socket scoping");
    }
    if (abi >= 7) {
      has.add("audit logging");
    }
    List<String> lacks = new ArrayList<>();
    if (abi < 4) {
      lacks.add("TCP rules (ABI 4, Linux 6.7)");
    }
    if (abi < 6) {
      lacks.add("signal/abstract-socket scoping (ABI 6, Linux 6.12)");
    }
    return String.join(", ", has) + (lacks.isEmpty() ? "" : "; lacks " + String.join(", ", lacks));
  }

  // ---- seccomp

  private HostProbe.Outcome seccomp() throws InterruptedException, TimeoutException {
    String id = "seccomp";
    Optional<String> line = view.read("/proc/self/status")
        .flatMap(s -> s.lines().filter(l -> l.startsWith("Seccomp:")).findFirst());
    InitAnswer init = await(initProbe);
    if (line.isEmpty() && init.probe().map(p -> !p.seccomp()).orElse(true)) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "the kernel has no seccomp (no Seccomp: line in /proc/self/status)",
          "boot a kernel built with CONFIG_SECCOMP=y and CONFIG_SECCOMP_FILTER=y"));
    }
    boolean filter = init.probe().map(InitProbe::seccompFilter)
        // actions_avail only exists with CONFIG_SECCOMP_FILTER
        .orElseGet(() -> Files.exists(view.path("/proc/sys/kernel/seccomp/actions_avail")));
    String source = init.probe().isPresent() ? "nemoclaw-init --probe" : "/proc/sys/kernel/seccomp";
    if (!filter) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "seccomp is present but filter mode (BPF) is not (from " + source + ")",
          "boot a kernel built with CONFIG_SECCOMP_FILTER=y"));
    }
    String mode = line.map(l -> l.substring("Seccomp:".length()).strip()).orElse("0");
    String already = mode.equals("2")
        ? "; nemoclaw already runs under a seccomp filter (a container's?), the sandbox's stacks"
            + " on top"
        : "";
    return new HostProbe.Outcome(
        Finding.ok(id, "filter mode available (from " + source + ")" + already),
        f -> f.seccomp = true);
  }

  // ---- cgroups

  private HostProbe.Outcome cgroups() {
    String id = "cgroups";
    Mounts mounts = Mounts.parse(view.read("/proc/self/mountinfo").orElse(""));
    List<Mounts.Mount> v2 = mounts.ofType("cgroup2");
    List<Mounts.Mount> v1 = mounts.ofType("cgroup");
    CgroupMode mode = cgroupMode(mounts);
    if (mode == CgroupMode.NONE) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "no cgroup filesystem is mounted: resource limits will be off",
          "sudo mount -t cgroup2 none /sys/fs/cgroup"));
    }
    String self = view.read("/proc/self/cgroup").orElse("");
    // hybrid hosts keep the controllers on v1; an empty unified tree cannot limit anything
    Optional<Path> v2dir = v2.isEmpty() ? Optional.empty()
        : Optional.of(ownCgroup(v2.getFirst(), self, "")).filter(d -> mode == CgroupMode.V2
            || controllers(d.resolve("cgroup.controllers")).containsAll(List.of("memory", "pids")));
    List<String> problems = new ArrayList<>();
    String detail;
    if (v2dir.isPresent()) {
      Path dir = v2dir.get();
      TreeSet<String> available = controllers(dir.resolve("cgroup.controllers"));
      TreeSet<String> delegated = controllers(dir.resolve("cgroup.subtree_control"));
      detail = label(mode) + ": cgroup " + hostPath(dir) + ", controllers "
          + list(available) + ", enabled for children " + list(delegated);
      for (String c : List.of("memory", "pids")) {
        if (!available.contains(c)) {
          problems.add("controller " + c + " not available");
        }
      }
      tryCreate(dir, "").ifPresent(problems::add);
    } else {
      TreeSet<String> mounted = new TreeSet<>();
      v1.forEach(m -> mounted.addAll(m.superOptions().stream()
          .filter(o -> !o.equals("rw") && !o.equals("ro") && !o.startsWith("name=")).toList()));
      List<String> where = new ArrayList<>();
      for (String c : List.of("memory", "pids")) {
        Optional<Mounts.Mount> m = v1.stream().filter(x -> x.superOptions().contains(c)).findFirst();
        if (m.isEmpty()) {
          problems.add("v1 controller " + c + " not mounted");
          continue;
        }
        Path dir = ownCgroup(m.get(), self, c);
        where.add(hostPath(dir));
        tryCreate(dir, c + " ").ifPresent(problems::add);
      }
      detail = label(mode) + ": v1 controllers " + list(mounted)
          + (v2.isEmpty() ? "" : " (cgroup2 at " + v2.getFirst().mountPoint() + " has none)")
          + "; would use " + (where.isEmpty() ? "none" : String.join(" and ", where));
    }
    if (problems.isEmpty()) {
      return new HostProbe.Outcome(Finding.ok(id, detail + "; can create cgroups there"), f -> {
        f.cgroupMode = mode;
        f.cgroupCreatable = true;
      });
    }
    String fix = view.isRoot()
        ? "mount the cgroup filesystems read-write with the memory and pids controllers"
        : v2dir.isPresent()
            ? "run as root, or use systemd-run --user --scope -p Delegate=yes ./nemoclaw run ..."
            : "run as root (cgroup v1 cannot be delegated to users), or boot with"
                + " systemd.unified_cgroup_hierarchy=1";
    return new HostProbe.Outcome(Finding.of(id, Status.WARN,
        detail + "; " + String.join(", ", problems) + ": resource limits will be off", fix),
        f -> f.cgroupMode = mode);
  }

  static CgroupMode cgroupMode(Mounts mounts) {
    boolean v2 = !mounts.ofType("cgroup2").isEmpty();
    boolean v1 = !mounts.ofType("cgroup").isEmpty();
    return v1 && v2 ? CgroupMode.HYBRID : v2 ? CgroupMode.V2 : v1 ? CgroupMode.V1 : CgroupMode.NONE;
  }

  private static String label(CgroupMode mode) {
    return switch (mode) {
      case V2 -> "v2";
      case V1 -> "v1";
      case HYBRID -> "hybrid";
      case NONE -> "none";
    };
  }

  /**
   * The caller's own cgroup in a hierarchy, from /proc/self/cgroup ({@code 0::/path} for v2,
   * {@code N:ctl,ctl:/path} for v1); the hierarchy's root when it is not visible here.
   */
  private Path ownCgroup(Mounts.Mount m, String procSelfCgroup, String controller) {
    Path base = view.path(m.mountPoint());
    for (String line : procSelfCgroup.split("\n")) {
      String[] f = line.strip().split(":", 3);
      if (f.length != 3) {
        continue;
      }
      boolean match = controller.isEmpty() ? f[0].equals("0") && f[1].isEmpty()
          : List.of(f[1].split(",")).contains(controller);
      if (match) {
        // a cgroup namespace or bind mount may hide the path's prefix: strip the mount's root
        String p = f[2];
        if (!m.root().equals("/") && p.startsWith(m.root())) {
          p = p.substring(m.root().length());
        }
        Path dir = base.resolve(p.replaceFirst("^/+", ""));
        return Files.isDirectory(dir) ? dir : base;
      }
    }
    return base;
  }

  /**
   * mkdir + rmdir of a unique child: the only honest answer to "may I create a cgroup here".
   * Returns why not, if not.
   */
  private static Optional<String> tryCreate(Path parent, String kind) {
    Path probe = parent.resolve("nemoclaw-doctor-" + ProcessHandle.current().pid() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Files.createDirectory(probe);
    } catch (IOException | SecurityException e) {
      String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
          : e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
              ? fse.getReason() : e.toString();
      return Optional.of("cannot create a " + kind + "cgroup (" + why + ")");
    }
    try {
      Files.delete(probe);
    } catch (IOException e) {
      return Optional.of("created but could not remove " + probe + " (" + e.getMessage() + ")");
    }
    return Optional.empty();
  }

  private static TreeSet<String> controllers(Path file) {
    try {
      String s = Files.readString(file).strip();
      return s.isEmpty() ? new TreeSet<>() : new TreeSet<>(List.of(s.split("\\s+")));
    } catch (IOException e) {
      return new TreeSet<>();
    }
  }

  private static String list(java.util.Collection<String> items) {
    return items.isEmpty() ? "none" : String.join(",", items);
  }

  /** A path under the probe root, spelled as it is on the host. */
  private String hostPath(Path p) {
    return "/" + view.root().relativize(p).toString();
  }

  // ---- init

  private HostProbe.Outcome init() throws InterruptedException {
    String id = "init";
    // a checkout builds its init; an installed copy (docs/install.md) only gets it from its package
    boolean checkout = view.init().map(p -> p.toString().contains("/target/native/")).orElse(true);
    String rebuild = checkout
        ? "run ./nemoclaw (it rebuilds the init), or make -C native/landlock-helper OUT=target/native"
        : "reinstall the package: sudo apt install --reinstall nemoclaw (or dnf reinstall nemoclaw)";
    if (view.init().isEmpty() || !Files.exists(view.init().get())) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "nemoclaw-init not found" + view.init().map(p -> " at " + p).orElse(""), rebuild));
    }
    Path init = view.init().get();
    if (!Files.isExecutable(init)) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          init + " is not executable by this user", "chmod 755 " + init));
    }
    try {
      Exec.Result r = Exec.run(List.of(init.toString(), "--version"), remaining());
      if (r.exit() == 0 && !r.firstLine().isEmpty()) {
        return HostProbe.Outcome.of(Finding.ok(id, init + " (" + r.firstLine() + ")"));
      }
      return HostProbe.Outcome.of(Finding.of(id, Status.WARN,
          init + " --version failed (exit " + r.exit()
              + (r.firstLine().isEmpty() ? "" : ": " + r.firstLine()) + ")", rebuild));
    } catch (TimeoutException e) {
      return HostProbe.Outcome.of(HostProbe.timedOut(id, timeout));
    } catch (IOException e) {
      return HostProbe.Outcome.of(Finding.of(id, Status.ERROR,
          "cannot run " + init + ": " + e.getMessage(), rebuild));
    }
  }

  // ---- docker

  private HostProbe.Outcome docker() {
    String id = "docker";
    Optional<String> dockerHost = view.env("DOCKER_HOST");
    if (dockerHost.isPresent() && !dockerHost.get().startsWith("unix://")) {
      return HostProbe.Outcome.of(Finding.of(id, Status.WARN,
          "DOCKER_HOST=" + dockerHost.get() + " is not a unix socket; not probed",
          "unset DOCKER_HOST to use /var/run/docker.sock, or check it with docker info"));
    }
    Path socket = dockerHost.map(h -> Path.of(h.substring("unix://".length())))
        .orElse(view.path("/var/run/docker.sock"));
    String shown = dockerHost.map(h -> h.substring("unix://".length()))
        .orElse("/var/run/docker.sock");
    String fix = installed("dockerd")
        ? "sudo systemctl start docker (only needed for backend: docker or docker: images)"
        : "sudo apt-get install -y docker.io (only needed for backend: docker or docker: images)";
    if (!Files.exists(socket)) {
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "no Docker engine: " + shown + " does not exist", fix));
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      // blocking I/O on a virtual thread: the probe's deadline interrupts it, closing the channel
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // read until the engine closes (HTTP/1.0) or the buffer is full
      }
      String reply = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
      String status = reply.lines().findFirst().orElse("");
      if (status.matches("HTTP/1\\.[01] 200.*")) {
        String version = reply.lines().filter(l -> l.toLowerCase().startsWith("api-version:"))
            .map(l -> ", API " + l.substring(12).strip()).findFirst().orElse("");
        return new HostProbe.Outcome(
            Finding.ok(id, "Docker engine answers at " + shown + version), f -> f.docker = true);
      }
      return HostProbe.Outcome.of(Finding.of(id, Status.ERROR,
          shown + " answered /_ping with \"" + status.strip() + "\"",
          "check the engine: sudo systemctl status docker"));
    } catch (IOException e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.toLowerCase().contains("permission denied")) {
        return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
            "no permission to use " + shown,
            "sudo usermod -aG docker " + view.user() + " (then log in again)"));
      }
      return HostProbe.Outcome.of(Finding.of(id, Status.MISSING,
          "no Docker engine answers at " + shown + " (" + msg + ")", fix));
    }
  }

  private boolean installed(String binary) {
    return view.env("PATH").stream().flatMap(p -> List.of(p.split(":")).stream())
        .filter(d -> d.startsWith("/"))
        .anyMatch(d -> Files.isExecutable(view.path(d).resolve(binary)));
  }

  // ---- nested

  /** The container runtime around us, and the hint that gave it away. */
  record Hint(String kind, String evidence) {}

  Optional<Hint> nestedHint() {
    if (Files.exists(view.path("/.dockerenv"))) {
      return Optional.of(new Hint("docker", "/.dockerenv"));
    }
    if (Files.exists(view.path("/run/.containerenv"))) {
      return Optional.of(new Hint("podman", "/run/.containerenv"));
    }
    Optional<String> container = view.read("/proc/1/environ").flatMap(s -> List.of(s.split("\0"))
        .stream().filter(v -> v.startsWith("container=")).findFirst())
        .map(v -> v.substring("container=".length())).filter(v -> !v.isBlank());
    if (container.isPresent()) {
      return Optional.of(new Hint(container.get(), "container= in /proc/1/environ"));
    }
    String cg = view.read("/proc/1/cgroup").orElse("");
    for (String[] k : new String[][] {{"kubepods", "kubernetes"}, {"docker", "docker"},
        {"libpod", "podman"}, {"/lxc", "lxc"}, {"containerd", "containerd"}}) {
      if (cg.contains(k[0])) {
        return Optional.of(new Hint(k[1], "/proc/1/cgroup"));
      }
    }
    Optional<Mounts.Mount> root =
        Mounts.parse(view.read("/proc/self/mountinfo").orElse("")).rootMount();
    if (root.isPresent() && root.get().fsType().equals("overlay")) {
      return Optional.of(new Hint("container", "overlay root filesystem"));
    }
    return Optional.empty();
  }

  private HostProbe.Outcome nested() throws InterruptedException, TimeoutException {
    String id = "nested";
    boolean vm = view.read("/proc/cpuinfo").map(s -> s.lines()
        .anyMatch(l -> l.startsWith("flags") && List.of(l.split("\\s+")).contains("hypervisor")))
        .orElse(false);
    String vmNote = vm ? "; in a virtual machine (hypervisor CPU flag)" : "";
    Optional<Hint> hint = nestedHint();
    if (hint.isEmpty()) {
      return HostProbe.Outcome.of(Finding.ok(id, "not in a container" + vmNote));
    }
    String kind = hint.get().kind();
    String where = "inside " + kind + " (" + hint.get().evidence() + ")" + vmNote;
    Attempt a = await(usernsAttempt);
    Finding f = a.works().orElse(false)
        ? Finding.ok(id, where + "; user namespaces work here anyway")
        : Finding.of(id, Status.WARN,
            where + ": user namespaces may be blocked by the outer seccomp or AppArmor profile",
            "run the outer container with --security-opt seccomp=unconfined"
                + " --security-opt apparmor=unconfined, or use backend: docker");
    return new HostProbe.Outcome(f, facts -> facts.nestedIn = Optional.of(kind));
  }
}
