package dev.nemoclaw.spec;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Docker-compose style {@code ${VAR}}, {@code ${VAR:-default}} (unset or empty),
 * {@code ${VAR-default}} (unset only), {@code ${VAR:?message}} / {@code ${VAR?message}} (required)
 * and {@code $$} for a literal {@code $}. A default may itself hold references, as compose allows
 * ({@code ${RUNTIME:-${HOME}/.cache/x}}). A {@code $} followed by anything else stays as it is, so
 * regular expressions such as {@code ^a$} need no escaping.
 */
final class Interpolation {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Why a value could not be interpolated; the caller adds the position. */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private Interpolation() {}

  static String apply(String text, Map<String, String> env) throws Failure {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '$' || i + 1 >= text.length()) {
        out.append(c);
        i++;
      } else if (text.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (text.charAt(i + 1) == '{') {
        int end = closing(text, i + 2);
        if (end < 0) {
          throw new Failure("unterminated '${' at offset " + i + "; write '$$' for a literal '$'");
        }
        out.append(expand(text.substring(i + 2, end), env));
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** The index of the '}' that closes a '${' whose body starts at {@code from}, or -1. */
  private static int closing(String text, int from) {
    int depth = 0;
    for (int j = from; j < text.length(); j++) {
      char c = text.charAt(j);
      if (c == '$' && j + 1 < text.length() && text.charAt(j + 1) == '$') {
        j++;
      } else if (c == '$' && j + 1 < text.length() && text.charAt(j + 1) == '{') {
        depth++;
        j++;
      } else if (c == '}') {
        if (depth == 0) {
          return j;
        }
        depth--;
      }
    }
    return -1;
  }

  private static String expand(String body, Map<String, String> env) throws Failure {
    int op = 0;
    while (op < body.length() && isNameChar(body.charAt(op), op)) {
      op++;
    }
    String name = body.substring(0, op);
    if (!NAME.matcher(name).matches()) {
      throw new Failure("'${" + body + "}' is not a variable reference; use ${NAME}, "
          + "${NAME:-default} or '$$' for a literal '$'");
    }
    String rest = body.substring(op);
    String value = env.get(name);
    boolean colon = rest.startsWith(":");
    String mod = colon ? rest.substring(1) : rest;
    boolean missing = value == null || (colon && value.isEmpty());
    if (rest.isEmpty()) {
      if (value == null) {
        throw new Failure("variable " + name + " is not set; set it or write ${" + name
            + ":-default}");
      }
      return value;
    }
    if (mod.startsWith("-")) {
      return missing ? apply(mod.substring(1), env) : value;
    }
    if (mod.startsWith("?")) {
      if (missing) {
        String msg = mod.substring(1);
        throw new Failure("variable " + name + " is required" + (msg.isEmpty() ? "" : ": " + msg));
      }
      return value;
    }
    throw new Failure("'${" + body + "}': after the name only ':-', '-', ':?' or '?' may follow");
  }

  private static boolean isNameChar(char c, int index) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (index > 0 && c >= '0' && c <= '9');
  }
}
