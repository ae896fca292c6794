package dev.nemoclaw.sandbox;

import java.util.Optional;

/** One status line of the sandbox init (native/landlock-helper/PLAN.md, "Status lines"). */
public sealed interface StatusEvent {

  /** Host pid of the sandbox init (PID 1 inside). */
  record SandboxPid(long pid) implements StatusEvent {}

  record Landlock(int abi) implements StatusEvent {}

  record Seccomp(int rules) implements StatusEvent {}

  /** Everything applied; the agent's {@code execve} comes next. */
  record Started() implements StatusEvent {}

  record Failed(String step, String message) implements StatusEvent {}

  record ExecFailed(int errno, String message) implements StatusEvent {}

  record Exited(int code) implements StatusEvent {}

  record Signaled(int signal) implements StatusEvent {}

  /** A line this supervisor does not understand (a newer init); kept for the log, never fatal. */
  record Unknown(String line) implements StatusEvent {}

  /** Parses one line without its {@code \n}. */
  static StatusEvent parse(String line) {
    int sp = line.indexOf(' ');
    String key = sp < 0 ? line : line.substring(0, sp);
    String rest = sp < 0 ? "" : line.substring(sp + 1);
    try {
      return switch (key) {
        case "pid" -> new SandboxPid(Long.parseLong(rest.strip()));
        case "landlock" -> new Landlock(Integer.parseInt(rest.strip()));
        case "seccomp" -> new Seccomp(Integer.parseInt(rest.strip()));
        case "started" -> rest.isBlank() ? new Started() : new Unknown(line);
        case "fail" -> splitColon(rest)
            .<StatusEvent>map(p -> new Failed(p[0], p[1]))
            .orElseGet(() -> new Failed(rest, ""));
        case "exec" -> splitColon(rest)
            .<StatusEvent>map(p -> new ExecFailed(Integer.parseInt(p[0].strip()), p[1]))
            .orElseGet(() -> new Unknown(line));
        case "exit" -> new Exited(Integer.parseInt(rest.strip()));
        case "signal" -> new Signaled(Integer.parseInt(rest.strip()));
        default -> new Unknown(line);
      };
    } catch (NumberFormatException e) {
      return new Unknown(line);
    }
  }

  private static Optional<String[]> splitColon(String s) {
    int c = s.indexOf(": ");
    return c < 0 ? Optional.empty()
        : Optional.of(new String[] {s.substring(0, c), s.substring(c + 2)});
  }
}
