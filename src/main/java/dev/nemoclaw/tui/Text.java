package dev.nemoclaw.tui;

import com.googlecode.lanterna.TerminalTextUtils;
import java.util.ArrayList;
import java.util.List;

/** Column-exact text for the screen: every string the agent influences passes through here. */
final class Text {
  static final String ELLIPSIS = "…";

  private Text() {}

  /**
   * Only printable characters survive: a host, path or binary name comes from inside the sandbox,
   * and an escape sequence in one must not reach the operator's terminal.
   */
  static String clean(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      if (cp == '\t') {
        b.append(' ');
      } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0xffff
          || Character.getType(cp) == Character.FORMAT
          || Character.getType(cp) == Character.SURROGATE
          || Character.getType(cp) == Character.UNASSIGNED
          || Character.getType(cp) == Character.NON_SPACING_MARK) {
        b.append('?');
      } else {
        b.append((char) cp);
      }
    });
    return b.toString();
  }

  static int width(String s) {
    return TerminalTextUtils.getColumnWidth(s);
  }

  /** Exactly {@code width} columns: cut with … when too long, padded with spaces when short. */
  static String fit(String s, int width) {
    if (width <= 0) {
      return "";
    }
    String c = clean(s);
    if (width(c) <= width) {
      return c + " ".repeat(width - width(c));
    }
    StringBuilder b = new StringBuilder();
    int used = 0;
    for (int i = 0; i < c.length(); i++) {
      int w = TerminalTextUtils.isCharDoubleWidth(c.charAt(i)) ? 2 : 1;
      if (used + w > width - 1) {
        break;
      }
      b.append(c.charAt(i));
      used += w;
    }
    b.append(ELLIPSIS);
    used++;
    return b + " ".repeat(width - used);
  }

  /** Word-wrapped to {@code width}; a word longer than a line is cut into pieces. */
  static List<String> wrap(String s, int width) {
    List<String> out = new ArrayList<>();
    if (width <= 0) {
      return out;
    }
    StringBuilder line = new StringBuilder();
    for (String word : clean(s).split(" ", -1)) {
      while (width(word) > width) {
        if (!line.isEmpty()) {
          out.add(line.toString());
          line.setLength(0);
        }
        int cut = Math.min(word.length(), TerminalTextUtils.getStringCharacterIndex(word, width));
        cut = Math.max(1, cut);
        out.add(word.substring(0, cut));
        word = word.substring(cut);
      }
      if (line.isEmpty()) {
        line.append(word);
      } else if (width(line.toString()) + 1 + width(word) <= width) {
        line.append(' ').append(word);
      } else {
        out.add(line.toString());
        line.setLength(0);
        line.append(word);
      }
    }
    if (!line.isEmpty() || out.isEmpty()) {
      out.add(line.toString());
    }
    return out;
  }

  /** 512K, 12.3M, 1.5G (binary units, as ps and top show them). */
  static String bytes(long b) {
    if (b < 1024) {
      return b + "B";
    }
    String units = "KMGTP";
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length() - 1) {
      v /= 1024;
      u++;
    }
    return (v < 10 ? String.format("%.1f", v) : String.format("%.0f", v)) + units.charAt(u);
  }
}
