package dev.nemoclaw.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * How each kind of text looks. Without colour (NO_COLOR) every highlight still shows, through
 * reverse video and bold alone.
 */
record Theme(boolean color, Style normal, Style header, Style title, Style titleFocused,
    Style selected, Style selectedDim, Style fresh, Style allowed, Style denied, Style error,
    Style warning, Style key, Style dim, Style label) {

  record Style(TextColor fg, TextColor bg, Set<SGR> sgr) {
    static Style of(TextColor fg, TextColor bg, SGR... sgr) {
      EnumSet<SGR> s = EnumSet.noneOf(SGR.class);
      s.addAll(java.util.List.of(sgr));
      return new Style(fg, bg, Set.copyOf(s));
    }
  }

  private static final TextColor D = TextColor.ANSI.DEFAULT;

  /** NO_COLOR: present and not empty (https://no-color.org). */
  static boolean noColor(Map<String, String> env) {
    String v = env.get("NO_COLOR");
    return v != null && !v.isEmpty();
  }

  static Theme of(boolean color) {
    if (!color) {
      Style plain = Style.of(D, D);
      Style rev = Style.of(D, D, SGR.REVERSE);
      Style bold = Style.of(D, D, SGR.BOLD);
      return new Theme(false, plain, rev, bold, Style.of(D, D, SGR.REVERSE, SGR.BOLD), rev,
          Style.of(D, D, SGR.UNDERLINE), bold, plain, bold, bold,
          Style.of(D, D, SGR.BOLD, SGR.REVERSE), rev, plain, bold);
    }
    return new Theme(true, Style.of(D, D),
        Style.of(TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.BLUE, SGR.BOLD),
        Style.of(TextColor.ANSI.CYAN, D, SGR.BOLD),
        Style.of(TextColor.ANSI.BLACK, TextColor.ANSI.CYAN, SGR.BOLD),
        Style.of(D, D, SGR.REVERSE),
        Style.of(D, D, SGR.UNDERLINE),
        Style.of(TextColor.ANSI.YELLOW_BRIGHT, D, SGR.BOLD),
        Style.of(TextColor.ANSI.GREEN, D),
        Style.of(TextColor.ANSI.RED_BRIGHT, D, SGR.BOLD),
        Style.of(TextColor.ANSI.RED_BRIGHT, D, SGR.BOLD),
        Style.of(TextColor.ANSI.WHITE_BRIGHT, TextColor.ANSI.RED, SGR.BOLD),
        Style.of(D, D, SGR.REVERSE),
        Style.of(TextColor.ANSI.BLACK_BRIGHT, D),
        Style.of(D, D, SGR.BOLD));
  }
}
