package dev.nemoclaw.sandbox.seccomp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.ArgCondition;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.Rule;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a seccomp profile in the OCI/Docker JSON format and flattens it for the sandbox init.
 *
 * <p>The sandbox holds no capabilities at all, so entries that {@code includes.caps} are dropped
 * and {@code excludes.caps} never excludes. {@code includes/excludes.arches} and {@code minKernel}
 * are judged against the {@link Host}. Keys this reader does not know are errors: a misspelt
 * {@code excludes} silently ignored would widen the filter.
 */
public final class SeccompProfile {
  private static final int EPERM = 1;

  private static final Set<String> TOP_KEYS = Set.of("defaultAction", "defaultErrnoRet",
      "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata");
  private static final Set<String> ENTRY_KEYS = Set.of("names", "name", "action", "errnoRet",
      "args", "includes", "excludes", "comment");
  private static final Set<String> FILTER_KEYS = Set.of("caps", "arches", "minKernel");
  private static final Set<String> ARG_KEYS = Set.of("index", "value", "valueTwo", "op");

  /** OCI architecture names → libseccomp's, as the plan's SECCOMP_ARCH wants them. */
  private static final Map<String, String> ARCHES = Map.ofEntries(
      Map.entry("SCMP_ARCH_X86", "x86"),
      Map.entry("SCMP_ARCH_X86_64", "x86_64"),
      Map.entry("SCMP_ARCH_X32", "x32"),
      Map.entry("SCMP_ARCH_ARM", "arm"),
      Map.entry("SCMP_ARCH_AARCH64", "aarch64"),
      Map.entry("SCMP_ARCH_MIPS", "mips"),
      Map.entry("SCMP_ARCH_MIPS64", "mips64"),
      Map.entry("SCMP_ARCH_MIPS64N32", "mips64n32"),
      Map.entry("SCMP_ARCH_MIPSEL", "mipsel"),
      Map.entry("SCMP_ARCH_MIPSEL64", "mipsel64"),
      Map.entry("SCMP_ARCH_MIPSEL64N32", "mipsel64n32"),
      Map.entry("SCMP_ARCH_PPC", "ppc"),
      Map.entry("SCMP_ARCH_PPC64", "ppc64"),
      Map.entry("SCMP_ARCH_PPC64LE", "ppc64le"),
      Map.entry("SCMP_ARCH_S390", "s390"),
      Map.entry("SCMP_ARCH_S390X", "s390x"),
      Map.entry("SCMP_ARCH_PARISC", "parisc"),
      Map.entry("SCMP_ARCH_PARISC64", "parisc64"),
      Map.entry("SCMP_ARCH_RISCV64", "riscv64"),
      Map.entry("SCMP_ARCH_LOONGARCH64", "loongarch64"),
      Map.entry("SCMP_ARCH_M68K", "m68k"),
      Map.entry("SCMP_ARCH_SH", "sh"),
      Map.entry("SCMP_ARCH_SHEB", "sheb"));

  /**
   * What a profile is judged against.
   *
   * @param scmpArch this machine's architecture as OCI names it ({@code SCMP_ARCH_X86_64})
   * @param archAliases every name {@code includes/excludes.arches} may use for it ({@code amd64})
   */
  public record Host(String scmpArch, Set<String> archAliases, int kernelMajor, int kernelMinor) {
    public Host {
      archAliases = Set.copyOf(archAliases);
    }

    public static Host current() {
      String osArch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
      String release = readRelease();
      int[] kv = parseKernel(release);
      return switch (osArch) {
        case "amd64", "x86_64" -> new Host("SCMP_ARCH_X86_64",
            Set.of("amd64", "x86_64", "SCMP_ARCH_X86_64"), kv[0], kv[1]);
        case "aarch64", "arm64" -> new Host("SCMP_ARCH_AARCH64",
            Set.of("arm64", "aarch64", "SCMP_ARCH_AARCH64"), kv[0], kv[1]);
        case "riscv64" -> new Host("SCMP_ARCH_RISCV64",
            Set.of("riscv64", "SCMP_ARCH_RISCV64"), kv[0], kv[1]);
        case "ppc64le" -> new Host("SCMP_ARCH_PPC64LE",
            Set.of("ppc64le", "SCMP_ARCH_PPC64LE"), kv[0], kv[1]);
        case "s390x" -> new Host("SCMP_ARCH_S390X", Set.of("s390x", "SCMP_ARCH_S390X"),
            kv[0], kv[1]);
        default -> new Host("SCMP_ARCH_" + osArch.toUpperCase(Locale.ROOT), Set.of(osArch),
            kv[0], kv[1]);
      };
    }

    private static String readRelease() {
      try {
        return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
      } catch (IOException e) {
        return System.getProperty("os.version", "0.0");
      }
    }
  }

  private SeccompProfile() {}

  /** Reads and flattens {@code file} for this machine. */
  public static SeccompFilter load(Path file) throws SeccompProfileException {
    return load(file, Host.current());
  }

  public static SeccompFilter load(Path file, Host host) throws SeccompProfileException {
    return parse(read(file), file, host);
  }

  /** The profile's bytes, or the error {@link #load} gives for an unreadable file. */
  static byte[] read(Path file) throws SeccompProfileException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new SeccompProfileException(file + ": cannot read the seccomp profile: " + e, e);
    }
  }

  /** {@code bytes} read from {@code file}: strict UTF-8, as {@link Files#readString} decodes. */
  static SeccompFilter parse(byte[] bytes, Path file, Host host) throws SeccompProfileException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new SeccompProfileException(file + ": cannot read the seccomp profile: " + e, e);
    }
    return parse(text, file.toString(), host);
  }

  /** {@code source} names the profile in error messages. */
  public static SeccompFilter parse(String json, String source, Host host)
      throws SeccompProfileException {
    return new Reader(source, host).read(json);
  }

  static int[] parseKernel(String s) {
    String[] parts = s.strip().split("[^0-9]+", 3);
    int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
    int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
    return new int[] {major, minor};
  }

  /** One parse: carries the file name into every message. */
  private static final class Reader {
    // here, not in SeccompProfile: Host.current() must not start Jackson (~30 ms) when a run
    // takes its filter from the SeccompCache
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final String source;
    private final Host host;

    Reader(String source, Host host) {
      this.source = source;
      this.host = host;
    }

    SeccompFilter read(String json) throws SeccompProfileException {
      JsonNode root;
      try {
        root = JSON.readTree(json);
      } catch (JsonProcessingException e) {
        throw fail("not valid JSON: " + e.getOriginalMessage() + " (line "
            + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
      }
      if (root == null || !root.isObject()) {
        throw fail("the profile must be a JSON object");
      }
      checkKeys(root, TOP_KEYS, "the profile");
      if (!text(root, "listenerPath").orElse("").isEmpty()) {
        throw fail("listenerPath: user notification (SCMP_ACT_NOTIFY) is not supported");
      }
      String defName = text(root, "defaultAction")
          .orElseThrow(() -> fail("defaultAction is required"));
      SeccompAction def = action(defName, "defaultAction");
      int defErrno = def == SeccompAction.ERRNO
          ? intField(root, "defaultErrnoRet", "defaultErrnoRet").orElse(EPERM) : 0;
      List<String> arches = arches(root);
      List<Rule> rules = new ArrayList<>();
      JsonNode calls = root.path("syscalls");
      if (!calls.isMissingNode() && !calls.isNull()) {
        if (!calls.isArray()) {
          throw fail("syscalls must be an array");
        }
        for (int i = 0; i < calls.size(); i++) {
          entry(calls.get(i), i, def, defErrno, rules);
        }
      }
      return new SeccompFilter(def, defErrno, arches, rules);
    }

    /** {@code archMap}'s entry for this host wins; else {@code architectures} as written. */
    private List<String> arches(JsonNode root) throws SeccompProfileException {
      Set<String> out = new LinkedHashSet<>();
      JsonNode map = root.path("archMap");
      if (map.isArray() && !map.isEmpty()) {
        for (int i = 0; i < map.size(); i++) {
          JsonNode e = map.get(i);
          String where = "archMap[" + i + "]";
          checkKeys(e, Set.of("architecture", "subArchitectures"), where);
          String arch = text(e, "architecture")
              .orElseThrow(() -> fail(where + ": architecture is required"));
          archName(arch, where);
          if (arch.equals(host.scmpArch())) {
            out.add(archName(arch, where));
            for (String sub : strings(e, "subArchitectures", where)) {
              out.add(archName(sub, where + ".subArchitectures"));
            }
          }
        }
        if (!out.isEmpty()) {
          return List.copyOf(out);
        }
      }
      for (String a : strings(root, "architectures", "architectures")) {
        out.add(archName(a, "architectures"));
      }
      return List.copyOf(out);
    }

    private String archName(String oci, String where) throws SeccompProfileException {
      String n = ARCHES.get(oci);
      if (n == null) {
        throw fail(where + ": unknown architecture " + oci + " (known: "
            + String.join(", ", ARCHES.keySet().stream().sorted().toList()) + ")");
      }
      return n;
    }

    private void entry(JsonNode e, int i, SeccompAction def, int defErrno, List<Rule> out)
        throws SeccompProfileException {
      String where = "syscalls[" + i + "]";
      if (!e.isObject()) {
        throw fail(where + " must be an object");
      }
      List<String> names = new ArrayList<>(strings(e, "names", where));
      text(e, "name").ifPresent(names::add);
      if (names.isEmpty()) {
        throw fail(where + ": names is required");
      }
      String label = where + " (" + String.join(", ", names.subList(0, Math.min(3, names.size())))
          + (names.size() > 3 ? ", ..." : "") + ")";
      checkKeys(e, ENTRY_KEYS, label);
      String actName = text(e, "action").orElseThrow(() -> fail(label + ": action is required"));
      SeccompAction act = action(actName, label);
      int errno = act == SeccompAction.ERRNO
          ? intField(e, "errnoRet", label).orElse(EPERM) : 0;
      List<ArgCondition> args = args(e.path("args"), label);
      if (!applies(e, label)) {
        return;
      }
      // A rule that does what the default does is a no-op, and libseccomp refuses it.
      if (act == def && errno == defErrno) {
        return;
      }
      for (String name : names) {
        if (name.isBlank() || name.indexOf('\0') >= 0) {
          throw fail(label + ": empty or invalid syscall name");
        }
        for (List<ArgCondition> conds : splitRepeatedIndexes(args)) {
          out.add(new Rule(name, act, errno, conds));
        }
      }
    }

    /**
     * libseccomp ANDs the conditions of one rule but cannot hold two on the same argument; Docker
     * profiles mean OR there (runc splits them the same way), so each becomes its own rule.
     */
    private static List<List<ArgCondition>> splitRepeatedIndexes(List<ArgCondition> args) {
      Set<Integer> seen = new HashSet<>();
      boolean repeated = false;
      for (ArgCondition a : args) {
        repeated |= !seen.add(a.index());
      }
      return repeated ? args.stream().map(List::of).toList() : List.of(args);
    }

    private boolean applies(JsonNode e, String label) throws SeccompProfileException {
      JsonNode inc = e.path("includes");
      JsonNode exc = e.path("excludes");
      if (inc.isObject()) {
        checkKeys(inc, FILTER_KEYS, label + ".includes");
        if (!strings(inc, "caps", label + ".includes").isEmpty()) {
          return false; // needs a capability; the sandbox has none
        }
        List<String> arches = strings(inc, "arches", label + ".includes");
        if (!arches.isEmpty() && arches.stream().noneMatch(host.archAliases()::contains)) {
          return false;
        }
        Optional<String> min = text(inc, "minKernel");
        if (min.isPresent()) {
          int[] want = parseKernelStrict(min.get(), label);
          if (host.kernelMajor() < want[0]
              || host.kernelMajor() == want[0] && host.kernelMinor() < want[1]) {
            return false;
          }
        }
      } else if (!inc.isMissingNode() && !inc.isNull()) {
        throw fail(label + ".includes must be an object");
      }
      if (exc.isObject()) {
        checkKeys(exc, FILTER_KEYS, label + ".excludes");
        strings(exc, "caps", label + ".excludes"); // held caps exclude; we hold none
        List<String> arches = strings(exc, "arches", label + ".excludes");
        if (arches.stream().anyMatch(host.archAliases()::contains)) {
          return false;
        }
        if (exc.has("minKernel")) {
          throw fail(label + ".excludes.minKernel is not supported");
        }
      } else if (!exc.isMissingNode() && !exc.isNull()) {
        throw fail(label + ".excludes must be an object");
      }
      return true;
    }

    private int[] parseKernelStrict(String v, String label) throws SeccompProfileException {
      if (!v.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        throw fail(label + ".includes.minKernel: expected MAJOR.MINOR, got \"" + v + "\"");
      }
      return parseKernel(v);
    }

    private List<ArgCondition> args(JsonNode args, String label) throws SeccompProfileException {
      if (args.isMissingNode() || args.isNull()) {
        return List.of();
      }
      if (!args.isArray()) {
        throw fail(label + ": args must be an array");
      }
      List<ArgCondition> out = new ArrayList<>();
      for (int j = 0; j < args.size(); j++) {
        JsonNode a = args.get(j);
        String where = label + ".args[" + j + "]";
        checkKeys(a, ARG_KEYS, where);
        int index = intField(a, "index", where).orElseThrow(() -> fail(where + ": index required"));
        if (index < 0 || index > 5) {
          throw fail(where + ": index must be 0..5, got " + index);
        }
        String opName = text(a, "op").orElseThrow(() -> fail(where + ": op is required"));
        CompareOp op = switch (opName) {
          case "SCMP_CMP_NE" -> CompareOp.NE;
          case "SCMP_CMP_LT" -> CompareOp.LT;
          case "SCMP_CMP_LE" -> CompareOp.LE;
          case "SCMP_CMP_EQ" -> CompareOp.EQ;
          case "SCMP_CMP_GE" -> CompareOp.GE;
          case "SCMP_CMP_GT" -> CompareOp.GT;
          case "SCMP_CMP_MASKED_EQ" -> CompareOp.MASKED_EQ;
          default -> throw fail(where + ": unknown op " + opName);
        };
        out.add(new ArgCondition(index, op, u64(a, "value", where), u64(a, "valueTwo", where)));
      }
      if (out.size() > 6) {
        throw fail(label + ": more than 6 argument conditions");
      }
      return out;
    }

    private SeccompAction action(String name, String where) throws SeccompProfileException {
      return switch (name) {
        case "SCMP_ACT_ALLOW" -> SeccompAction.ALLOW;
        case "SCMP_ACT_ERRNO" -> SeccompAction.ERRNO;
        // libseccomp's SCMP_ACT_KILL is the thread-killing action
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> SeccompAction.KILL_THREAD;
        case "SCMP_ACT_KILL_PROCESS" -> SeccompAction.KILL_PROCESS;
        case "SCMP_ACT_TRAP" -> SeccompAction.TRAP;
        case "SCMP_ACT_LOG" -> SeccompAction.LOG;
        case "SCMP_ACT_NOTIFY" -> throw fail(where + ": SCMP_ACT_NOTIFY is not supported"
            + " (nothing outside the sandbox answers seccomp notifications)");
        case "SCMP_ACT_TRACE" -> throw fail(where + ": SCMP_ACT_TRACE is not supported"
            + " (no tracer is attached to the sandbox)");
        default -> throw fail(where + ": unknown action " + name);
      };
    }

    private long u64(JsonNode n, String key, String where) throws SeccompProfileException {
      JsonNode v = n.path(key);
      if (v.isMissingNode() || v.isNull()) {
        return 0;
      }
      if (!v.isIntegralNumber()) {
        throw fail(where + "." + key + " must be an unsigned integer");
      }
      BigInteger b = v.bigIntegerValue();
      if (b.signum() < 0 || b.bitLength() > 64) {
        throw fail(where + "." + key + " is out of the u64 range: " + b);
      }
      return b.longValue();
    }

    private Optional<Integer> intField(JsonNode n, String key, String where)
        throws SeccompProfileException {
      JsonNode v = n.path(key);
      if (v.isMissingNode() || v.isNull()) {
        return Optional.empty();
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
        throw fail(where + "." + key + " must be a non-negative integer");
      }
      return Optional.of(v.intValue());
    }

    private Optional<String> text(JsonNode n, String key) throws SeccompProfileException {
      JsonNode v = n.path(key);
      if (v.isMissingNode() || v.isNull()) {
        return Optional.empty();
      }
      if (!v.isTextual()) {
        throw fail(key + " must be a string");
      }
      return Optional.of(v.textValue());
    }

    private List<String> strings(JsonNode n, String key, String where)
        throws SeccompProfileException {
      JsonNode v = n.path(key);
      if (v.isMissingNode() || v.isNull()) {
        return List.of();
      }
      if (!v.isArray()) {
        throw fail(where + "." + key + " must be an array of strings");
      }
      List<String> out = new ArrayList<>();
      for (JsonNode s : v) {
        if (!s.isTextual()) {
          throw fail(where + "." + key + " must be an array of strings");
        }
        out.add(s.textValue());
      }
      return out;
    }

    private void checkKeys(JsonNode n, Set<String> allowed, String where)
        throws SeccompProfileException {
      if (!n.isObject()) {
        throw fail(where + " must be an object");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!allowed.contains(k)) {
          throw fail(where + ": unknown key \"" + k + "\" (allowed: "
              + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
      }
    }

    private SeccompProfileException fail(String message) {
      return new SeccompProfileException(source + ": " + message);
    }
  }
}
