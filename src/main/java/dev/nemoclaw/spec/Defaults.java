package dev.nemoclaw.spec;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Every default of agent.yaml, in one place: the binders take values from here and nowhere else,
 * and docs/agent-yaml.md and docs/agent.schema.json repeat them (SchemaTest checks a few).
 */
public final class Defaults {
  public static final Image IMAGE = new Image.Host();
  public static final Backend BACKEND = Backend.NATIVE;
  public static final String WORKDIR = "/sandbox";
  public static final User USER = new User(1000, 1000);
  public static final List<Tmpfs> TMPFS = List.of(new Tmpfs("/tmp", 256L << 20));
  /** Size of a tmpfs entry that gives none. */
  public static final long TMPFS_SIZE = 256L << 20;
  public static final MountMode MOUNT_MODE = MountMode.RO;
  public static final long MEMORY = 2L << 30;
  public static final int PIDS = 512;
  public static final String SECCOMP = "default";
  public static final LandlockMode LANDLOCK = LandlockMode.REQUIRED;
  public static final boolean ALLOW_ROOT = false;
  public static final NetworkMode NETWORK_MODE = NetworkMode.PROXY;
  public static final List<Integer> ALLOW_PORTS = List.of(443);
  public static final boolean INSPECT = false;
  public static final UnknownAction UNKNOWN = UnknownAction.ASK;
  public static final Duration APPROVAL_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration RATE_LIMIT_PER = Duration.ofMinutes(1);
  /** How long a route may take to answer (response headers) before its fallback is tried. */
  public static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(120);
  /** Detectors when a {@code privacy} section is present but lists none: all built-in ones. */
  public static final List<Detector> DETECTORS =
      Arrays.stream(BuiltinDetector.values()).<Detector>map(Detector.Builtin::new).toList();
  public static final PrivacyAction PRIVACY_ACTION = PrivacyAction.MASK;
  public static final List<PrivacyScope> PRIVACY_SCOPE =
      List.of(PrivacyScope.INFERENCE, PrivacyScope.EGRESS);
  /** Without a {@code privacy} section nothing is scanned. */
  public static final Privacy PRIVACY_OFF = new Privacy(List.of(), PRIVACY_ACTION, PRIVACY_SCOPE);

  private Defaults() {}
}
