package dev.nemoclaw.privacy;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.List;

/**
 * A detector from agent.yaml: every non-empty match of an RE2 expression (RE2J runs it as an
 * automaton, in time linear in the text; the spec refuses the syntax that would need
 * backtracking).
 */
final class CustomRegex implements TextDetector {
  private final String name;
  private final Pattern pattern;

  CustomRegex(String name, Pattern pattern) {
    this.name = name;
    this.pattern = pattern;
  }

  @Override
  public void find(Text text, List<Finding> out) {
    Matcher m = pattern.matcher(text.s);
    while (m.find()) {
      if (m.end() > m.start()) {
        out.add(new Finding(name, m.start(), m.end()));
      }
    }
  }
}
