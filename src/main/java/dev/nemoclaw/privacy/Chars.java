package dev.nemoclaw.privacy;

/** ASCII character classes the detectors share; {@link #at} reads past either end as NUL. */
final class Chars {
  private Chars() {}

  /** The char at {@code i}, or NUL outside the text, so boundary checks need no range tests. */
  static char at(String s, int i) {
    return i >= 0 && i < s.length() ? s.charAt(i) : 0;
  }

  static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean upper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  static boolean lower(char c) {
    return c >= 'a' && c <= 'z';
  }

  static boolean letter(char c) {
    return upper(c) || lower(c);
  }

  /**
   * A letter or digit of any script: a number or token that touches one is part of a longer word
   * (an order id, a hash), not the value a detector looks for.
   */
  static boolean alnum(char c) {
    return c < 0x80 ? digit(c) || letter(c) : Character.isLetterOrDigit(c);
  }

  /** {@code [A-Za-z0-9_-]}: the alphabet of base64url and of most API tokens. */
  static boolean word(char c) {
    return digit(c) || letter(c) || c == '_' || c == '-';
  }

  /**
   * Whether the char before {@code i} is escaped by a backslash: the letter of {@code \n} in
   * a JSON or C string stands for white space, not for part of a word. Without this the card in
   * the JSON string {@code "line\n4111 1111 1111 1111"} (as a tool call's arguments carry it)
   * would touch the letter n, and an address after {@code \n} would take the n away from its
   * backslash when masked.
   */
  static boolean escapedBefore(String s, int i) {
    return at(s, i - 2) == '\\';
  }

  /** Whether a letter or digit of the text, not of an escape, comes right before {@code i}. */
  static boolean alnumBefore(String s, int i) {
    return alnum(at(s, i - 1)) && !escapedBefore(s, i);
  }

  /** Whether a {@link #word} char of the text, not of an escape, comes right before {@code i}. */
  static boolean wordBefore(String s, int i) {
    return word(at(s, i - 1)) && !escapedBefore(s, i);
  }

  /** Punctuation that joins digit groups into one number: {@code 1.5}, {@code 1,000}, {@code 1/2}. */
  static boolean numberJoin(char c) {
    return c == '.' || c == ',' || c == '-' || c == '/' || c == ':';
  }

  /** Whether the number starting at {@code start} continues one before it ({@code 12.345}). */
  static boolean continuesNumber(String s, int start) {
    return alnumBefore(s, start) || numberJoin(at(s, start - 1)) && digit(at(s, start - 2));
  }

  /** Whether the number ending at {@code end} is continued after it ({@code 345.67}). */
  static boolean numberContinues(String s, int end) {
    char n = at(s, end);
    return alnum(n) || numberJoin(n) && digit(at(s, end + 1));
  }
}
