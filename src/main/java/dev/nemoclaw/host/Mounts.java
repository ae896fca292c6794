package dev.nemoclaw.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The parts of /proc/self/mountinfo the doctor needs. */
record Mounts(List<Mount> all) {

  /**
   * One mountinfo line: {@code root} is the mounted subtree, {@code superOptions} the per-filesystem
   * options (for cgroup v1 they name the controllers).
   */
  record Mount(String root, String mountPoint, String fsType, Set<String> superOptions) {}

  Mounts {
    all = List.copyOf(all);
  }

  static Mounts parse(String mountinfo) {
    List<Mount> out = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.strip().split(" ");
      int dash = List.of(f).indexOf("-");
      // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
      if (dash < 6 || f.length < dash + 4) {
        continue;
      }
      out.add(new Mount(unescape(f[3]), unescape(f[4]), f[dash + 1],
          Set.copyOf(List.of(f[dash + 3].split(",")))));
    }
    return new Mounts(out);
  }

  List<Mount> ofType(String fsType) {
    return all.stream().filter(m -> m.fsType().equals(fsType)).toList();
  }

  /** The filesystem mounted last at {@code /}; later mounts shadow earlier ones. */
  java.util.Optional<Mount> rootMount() {
    return all.stream().filter(m -> m.mountPoint().equals("/")).reduce((a, b) -> b);
  }

  /** The kernel escapes space, tab, newline and backslash in paths as octal {@code \ooo}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
