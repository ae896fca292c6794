package dev.nemoclaw.spec;

import java.util.regex.Pattern;

/** A privacy detector: one nemoclaw ships, or a named regular expression. */
public sealed interface Detector {
  String name();

  record Builtin(BuiltinDetector kind) implements Detector {
    @Override
    public String name() {
      return kind.yaml();
    }
  }

  /** {@code regex} is known to compile (Java syntax). */
  record Custom(String name, String regex) implements Detector {
    public Pattern pattern() {
      return Pattern.compile(regex);
    }
  }
}
