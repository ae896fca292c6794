package dev.nemoclaw.spec;

import com.google.re2j.Pattern;

/** A privacy detector: one nemoclaw ships, or a named regular expression. */
public sealed interface Detector {
  String name();

  record Builtin(BuiltinDetector kind) implements Detector {
    @Override
    public String name() {
      return kind.yaml();
    }
  }

  /**
   * {@code regex} is known to compile in RE2 syntax and to be of bounded size, so matching it
   * takes time linear in the text whatever the text is: it runs on what the agent sends.
   */
  record Custom(String name, String regex) implements Detector {
    public Pattern pattern() {
      return Pattern.compile(regex);
    }
  }
}
