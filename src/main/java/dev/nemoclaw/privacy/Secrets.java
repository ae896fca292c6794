package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.letter;
import static dev.nemoclaw.privacy.Chars.upper;
import static dev.nemoclaw.privacy.Chars.word;
import static dev.nemoclaw.privacy.Chars.wordBefore;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Credentials, recognised three ways:
 *
 * <ul>
 *   <li>by a vendor's prefix ({@link #PREFIXED}): AWS access key ids, GitHub, GitLab, Slack,
 *       OpenAI, Anthropic, NVIDIA, Stripe, Google, Hugging Face and npm tokens, each with its
 *       body's alphabet and length, not inside a longer word;
 *   <li>by shape: PEM private key blocks from {@code -----BEGIN … PRIVATE KEY-----} to the
 *       matching END line (newlines real or JSON {@code \n} escapes), and JWTs (three base64url
 *       parts, the first two JSON objects, so starting {@code eyJ});
 *   <li>by context: the value assigned to a key that names a secret ({@code password},
 *       {@code client_secret}, {@code GITHUB_TOKEN}, {@code x-api-key}, … with {@code =}, {@code :},
 *       {@code :=} or {@code =>}), if it is 16 chars or more and looks random (Shannon entropy of
 *       3.5 bits per char or more), or is a 40-char AWS secret access key. The finding covers the
 *       value only, never its quotes, so masking keeps JSON and source code well formed.
 * </ul>
 *
 * <p>Every one of these contains a char or string that is rare in prose: {@code =} or {@code :},
 * {@code -----BEGIN }, {@code eyJ}, the {@code _} or {@code -} of a prefix (or the {@code A} of
 * AWS's and Google's). {@link String#indexOf} (vectorised) finds those, and only there is
 * anything checked; this is what lets the detector keep up with prose at hundreds of MB/s.
 */
final class Secrets implements TextDetector {
  static final Secrets INSTANCE = new Secrets();
  private static final String NAME = BuiltinDetector.SECRET.yaml();

  /** A token's alphabet after its prefix. */
  private enum Body {
    ALNUM, UPPER_DIGIT, WORD, DASHED, DASH_ALNUM;

    boolean allows(char c) {
      return switch (this) {
        case ALNUM -> letter(c) || digit(c);
        case UPPER_DIGIT -> upper(c) || digit(c);
        case WORD -> letter(c) || digit(c) || c == '_';
        case DASHED -> word(c);
        case DASH_ALNUM -> letter(c) || digit(c) || c == '-';
      };
    }
  }

  /**
   * A credential known by its prefix: {@code min..max} chars of {@code body} follow it. With
   * {@code mixed} the body must hold a letter and a digit, which every real key of these kinds
   * does and the words of documentation ({@code xoxb-your-token-here}) do not. {@code anchor} is
   * where in the prefix the char it is searched by is: its first '_' or '-', else its first.
   */
  private record Prefixed(String prefix, int anchor, Body body, int min, int max,
      boolean mixed) {
    Prefixed(String prefix, Body body, int min, int max, boolean mixed) {
      this(prefix, Math.max(0, firstSeparator(prefix)), body, min, max, mixed);
    }

    private static int firstSeparator(String prefix) {
      int underscore = prefix.indexOf('_');
      int dash = prefix.indexOf('-');
      return underscore < 0 ? dash : dash < 0 ? underscore : Math.min(underscore, dash);
    }

    char trigger() {
      return prefix.charAt(anchor);
    }
  }

  private static final int LONG = 255;

  private static final List<Prefixed> PREFIXED = List.of(
      // AWS access key ids: long-term, temporary (STS), and the two older kinds
      new Prefixed("AKIA", Body.UPPER_DIGIT, 16, 16, false),
      new Prefixed("ASIA", Body.UPPER_DIGIT, 16, 16, false),
      new Prefixed("ABIA", Body.UPPER_DIGIT, 16, 16, false),
      new Prefixed("ACCA", Body.UPPER_DIGIT, 16, 16, false),
      // GitHub: personal, OAuth, user-to-server, server-to-server and refresh tokens
      new Prefixed("ghp_", Body.ALNUM, 36, LONG, false),
      new Prefixed("gho_", Body.ALNUM, 36, LONG, false),
      new Prefixed("ghu_", Body.ALNUM, 36, LONG, false),
      new Prefixed("ghs_", Body.ALNUM, 36, LONG, false),
      new Prefixed("ghr_", Body.ALNUM, 36, LONG, false),
      new Prefixed("github_pat_", Body.WORD, 82, LONG, false),
      new Prefixed("glpat-", Body.DASHED, 20, LONG, false),
      // Slack: bot, user, app-level, refresh, session and config tokens
      new Prefixed("xoxb-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xoxp-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xoxa-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xoxr-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xoxs-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xoxe-", Body.DASH_ALNUM, 10, LONG, true),
      new Prefixed("xapp-", Body.DASH_ALNUM, 10, LONG, true),
      // OpenAI (sk-…, sk-proj-…, sk-svcacct-…) and Anthropic (sk-ant-api03-…, sk-ant-admin01-…)
      new Prefixed("sk-", Body.DASHED, 32, LONG, true),
      new Prefixed("sk_live_", Body.ALNUM, 24, LONG, false), // Stripe secret key
      new Prefixed("rk_live_", Body.ALNUM, 24, LONG, false), // Stripe restricted key
      new Prefixed("nvapi-", Body.DASHED, 64, 64, false),
      new Prefixed("AIza", Body.DASHED, 35, 35, false), // Google API key
      new Prefixed("hf_", Body.ALNUM, 30, 40, true), // Hugging Face
      new Prefixed("npm_", Body.ALNUM, 36, 36, false));

  /** The chars {@link #PREFIXED} is found by, and the prefixes each finds. */
  private static final char[] TRIGGERS = {'_', '-', 'A'};
  private static final Prefixed[][] BY_TRIGGER = new Prefixed[128][];

  static {
    for (char t : TRIGGERS) {
      BY_TRIGGER[t] = PREFIXED.stream().filter(p -> p.trigger() == t).toArray(Prefixed[]::new);
    }
  }

  /**
   * Key names (lower case, without {@code _ - .}) whose value is a secret; a key matches when it
   * ends with one, so {@code DB_PASSWORD} and {@code aws_secret_access_key} do and
   * {@code max_tokens} does not. The first is AWS's, whose 40-char keys need no entropy test.
   */
  private static final String[] KEYWORDS = {"secretaccesskey", "password", "passwd",
      "passphrase", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey"};
  private static final int MAX_KEY = 24;
  private static final int MIN_VALUE = 16;
  private static final double MIN_ENTROPY = 3.5;
  private static final int AWS_SECRET_LENGTH = 40;

  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";
  /** Far longer than any private key PEM; an END further away belongs to something else. */
  private static final int MAX_PEM = 64 * 1024;
  private static final int MAX_LABEL = 40;
  /** base64url of a JSON object's start ({@code {"}) is {@code eyJ}; 10 chars is {@code {"a":1}}. */
  private static final int MIN_JWT_PART = 10;
  private static final String MARKER = "[REDACTED:";

  private Secrets() {}

  @Override
  public void find(Text text, List<Finding> out) {
    new Pass(text.s, out).run();
  }

  /** One scan; it remembers where the next PEM END line is, so no BEGIN searches twice. */
  private static final class Pass {
    private final String s;
    private final int n;
    private final List<Finding> out;
    private final char[] key = new char[MAX_KEY];
    /** Position of the first {@code -----END } after the last BEGIN; -1 none; -2 not looked. */
    private int endLine = -2;

    Pass(String s, List<Finding> out) {
      this.s = s;
      this.n = s.length();
      this.out = out;
    }

    void run() {
      for (char t : TRIGGERS) {
        Prefixed[] candidates = BY_TRIGGER[t];
        each(String.valueOf(t), i -> prefixed(i, candidates));
      }
      each("eyJ", this::jwt);
      each(BEGIN, this::pem);
      each("=", this::assignment);
      each(":", this::assignment);
    }

    /**
     * Runs {@code check} at each occurrence of {@code trigger}. A check returns where to search
     * on: past what it matched or judged, or -1 for the next occurrence.
     */
    private void each(String trigger, IntUnaryOperator check) {
      int i = s.indexOf(trigger);
      while (i >= 0) {
        i = s.indexOf(trigger, Math.max(check.applyAsInt(i), i + 1));
      }
    }

    private int found(int start, int end) {
      out.add(new Finding(NAME, start, end));
      return end;
    }

    /** A token whose prefix has its trigger char at {@code i}. */
    private int prefixed(int i, Prefixed[] candidates) {
      for (Prefixed p : candidates) {
        int start = i - p.anchor();
        if (at(s, start) != p.prefix().charAt(0) || wordBefore(s, start)
            || !s.startsWith(p.prefix(), start)) {
          continue;
        }
        int body = start + p.prefix().length();
        int limit = Math.min(n, body + p.max() + 1);
        int k = body;
        while (k < limit && p.body().allows(s.charAt(k))) {
          k++;
        }
        int len = k - body;
        if (len >= p.min() && len <= p.max() && !word(at(s, k))
            && (!p.mixed() || mixed(body, k))) {
          return found(start, k);
        }
      }
      return -1;
    }

    private boolean mixed(int from, int to) {
      boolean letters = false;
      boolean digits = false;
      for (int k = from; k < to && !(letters && digits); k++) {
        char c = s.charAt(k);
        letters |= letter(c);
        digits |= digit(c);
      }
      return letters && digits;
    }

    private int wordEnd(int k) {
      while (k < n && word(s.charAt(k))) {
        k++;
      }
      return k;
    }

    private int jwt(int i) {
      if (wordBefore(s, i) || at(s, i - 1) == '.') {
        return -1;
      }
      int header = wordEnd(i);
      if (header - i < MIN_JWT_PART || at(s, header) != '.' || !s.startsWith("eyJ", header + 1)) {
        return -1;
      }
      int payload = wordEnd(header + 1);
      if (payload - header - 1 < MIN_JWT_PART || at(s, payload) != '.') {
        return -1;
      }
      return found(i, wordEnd(payload + 1)); // an unsigned JWT's signature is empty
    }

    private int pem(int i) {
      int label = i + BEGIN.length();
      int labelEnd = label;
      while (labelEnd - label <= MAX_LABEL
          && (upper(at(s, labelEnd)) || digit(at(s, labelEnd)) || at(s, labelEnd) == ' ')) {
        labelEnd++;
      }
      String name = s.substring(label, labelEnd);
      if (!s.startsWith(DASHES, labelEnd)
          || !name.endsWith("PRIVATE KEY") && !name.endsWith("PRIVATE KEY BLOCK")) {
        return labelEnd;
      }
      int body = labelEnd + DASHES.length();
      if (endLine != -1 && endLine < body) {
        endLine = s.indexOf(END, body);
      }
      int close = endLine + END.length();
      if (endLine >= 0 && endLine - i <= MAX_PEM && s.startsWith(name, close)
          && s.startsWith(DASHES, close + name.length())) {
        return found(i, close + name.length() + DASHES.length());
      }
      return found(i, bodyEnd(body)); // cut off or mismatched: at least the key material
    }

    /** The end of a PEM body: base64 and line breaks, real or as JSON/C escapes. */
    private int bodyEnd(int k) {
      int start = k;
      while (k < n) {
        char c = s.charAt(k);
        if (letter(c) || digit(c) || c == '+' || c == '/' || c == '=' || space(c)) {
          k++;
        } else if (c == '\\' && escape(at(s, k + 1))) {
          k += 2;
        } else {
          break;
        }
      }
      while (k > start) {
        if (space(s.charAt(k - 1))) {
          k--;
        } else if (k - 2 >= start && s.charAt(k - 2) == '\\' && escape(s.charAt(k - 1))) {
          k -= 2;
        } else {
          break;
        }
      }
      return k;
    }

    private int assignment(int i) {
      char c = s.charAt(i);
      char prev = at(s, i - 1);
      char next = at(s, i + 1);
      int v = i + 1;
      if (c == ':') {
        if (next == ':' || next == '/') {
          return -1; // C++ scope, URL scheme
        }
        if (next == '=') {
          v++; // Go, Pascal
        }
      } else {
        if (next == '=' || prev == '=' || prev == '!' || prev == '<' || prev == '>'
            || prev == ':') {
          return -1; // comparisons; ":=" was read at its ':'
        }
        if (next == '>') {
          v++; // Ruby, PHP, Perl
        }
      }
      int kw = keyword(s, keyEnd(i), key);
      if (kw < 0) {
        return -1;
      }
      while (at(s, v) == ' ' || at(s, v) == '\t') {
        v++;
      }
      if (at(s, v) == '\\' && quote(at(s, v + 1))) {
        v++; // an escaped quote: JSON inside a JSON string
      }
      char open = at(s, v);
      boolean quoted = quote(open);
      int start = quoted ? v + 1 : v;
      int end = start;
      while (end < n && valueChar(s.charAt(end), quoted ? open : 0)) {
        end++;
      }
      // a value judged whole is not read again: that keeps "token=token=…" linear
      return secretValue(s, start, end, kw) ? found(start, end) : end;
    }

    /** Where the key before an assignment at {@code i} ends: past spaces and a closing quote. */
    private int keyEnd(int i) {
      int k = i;
      while (k > 0 && i - k < 4 && s.charAt(k - 1) == ' ') {
        k--;
      }
      if (quote(at(s, k - 1))) {
        k--;
        if (at(s, k - 1) == '\\') {
          k--;
        }
      }
      return k;
    }
  }

  /**
   * Whether {@code value}, assigned to {@code key} as a JSON member, is a secret by context: the
   * JSON form of an assignment, where the value's limits are the string's.
   */
  static boolean assignedSecret(String key, String value) {
    int kw = keyword(key, key.length(), new char[MAX_KEY]);
    return kw >= 0 && value.chars().allMatch(c -> c > ' ')
        && secretValue(value, 0, value.length(), kw);
  }

  /**
   * The value test of an assignment to keyword {@code kw}: long enough, not a reference or an
   * earlier mask, and random-looking (or, for AWS's key, of its exact shape).
   */
  private static boolean secretValue(String s, int start, int end, int kw) {
    int len = end - start;
    return len >= MIN_VALUE && !s.startsWith("$", start) && !s.startsWith(MARKER, start)
        && (kw == 0 && len == AWS_SECRET_LENGTH && base64(s, start, end)
            || entropy(s, start, end) >= MIN_ENTROPY);
  }

  /**
   * The index in {@link #KEYWORDS} of the keyword that the key ending at {@code end} ends with,
   * or -1. {@code key} is scratch space for the key, normalised and reversed.
   */
  private static int keyword(String s, int end, char[] key) {
    int m = 0;
    for (int k = end - 1; k >= 0 && end - k <= 2 * MAX_KEY && m < MAX_KEY; k--) {
      char c = s.charAt(k);
      if (c == '_' || c == '-' || c == '.') {
        continue;
      }
      if (!letter(c) && !digit(c)) {
        break;
      }
      key[m++] = (char) (upper(c) ? c + ('a' - 'A') : c);
    }
    if (m == 0) {
      return -1;
    }
    char last = key[0];
    if (last != 'd' && last != 'e' && last != 't' && last != 'n' && last != 'y') {
      return -1; // no keyword ends so: most keys stop here
    }
    for (int w = 0; w < KEYWORDS.length; w++) {
      if (endsWith(key, m, KEYWORDS[w])) {
        return w;
      }
    }
    return -1;
  }

  /** Whether the reversed key in {@code key[0..m)} ends with {@code word}. */
  private static boolean endsWith(char[] key, int m, String word) {
    int len = word.length();
    if (m < len) {
      return false;
    }
    for (int j = 0; j < len; j++) {
      if (key[j] != word.charAt(len - 1 - j)) {
        return false;
      }
    }
    return true;
  }

  private static boolean base64(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (!letter(c) && !digit(c) && c != '+' && c != '/') {
        return false;
      }
    }
    return true;
  }

  private static boolean quote(char c) {
    return c == '"' || c == '\'' || c == '`';
  }

  private static boolean space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean escape(char c) {
    return c == 'n' || c == 'r' || c == 't';
  }

  /**
   * A char of an assigned value: never white space, a quote or a backslash (so a finding never
   * spans the end of a JSON string); inside quotes anything else up to the closing one, bare
   * values also stop at the punctuation that ends them in URLs, lists and code.
   */
  private static boolean valueChar(char c, char open) {
    if (c <= ' ' || c == '"' || c == '\\' || c == open) {
      return false;
    }
    return open != 0 || switch (c) {
      case '\'', '`', ',', ';', '&', '<', '>', '(', ')', '{', '}', '[', ']' -> false;
      default -> true;
    };
  }

  /** Shannon entropy in bits per char; chars outside ASCII count as one symbol. */
  static double entropy(String s, int from, int to) {
    int[] counts = new int[129];
    for (int k = from; k < to; k++) {
      counts[Math.min(s.charAt(k), 128)]++;
    }
    double len = to - from;
    double h = 0;
    for (int count : counts) {
      if (count > 0) {
        double p = count / len;
        h -= p * Math.log(p);
      }
    }
    return h / Math.log(2);
  }
}
