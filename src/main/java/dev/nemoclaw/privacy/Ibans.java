package dev.nemoclaw.privacy;

import static dev.nemoclaw.privacy.Chars.alnum;
import static dev.nemoclaw.privacy.Chars.alnumBefore;
import static dev.nemoclaw.privacy.Chars.at;
import static dev.nemoclaw.privacy.Chars.digit;
import static dev.nemoclaw.privacy.Chars.upper;

import dev.nemoclaw.spec.BuiltinDetector;
import java.util.List;

/**
 * International bank account numbers (ISO 13616): a country code from the SWIFT IBAN registry,
 * two check digits and the national account number, in capitals, either solid
 * ({@code DE89370400440532013000}) or in groups of four separated by single spaces
 * ({@code DE89 3704 0044 0532 0130 00}); exactly the registry's length for that country, and
 * the ISO 7064 mod-97 check must give 1. A wrong digit or a transposition fails the check.
 */
final class Ibans implements TextDetector {
  static final Ibans INSTANCE = new Ibans();
  private static final String NAME = BuiltinDetector.IBAN.yaml();
  private static final int MAX = 34;

  /** IBAN length by country code, as the SWIFT IBAN registry lists them. */
  private static final String REGISTRY = """
      AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27
      DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28
      IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22
      MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24
      SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30
      """;
  private static final byte[] LENGTH = new byte[26 * 26];

  static {
    for (String e : REGISTRY.trim().split("\\s+")) {
      LENGTH[(e.charAt(0) - 'A') * 26 + e.charAt(1) - 'A'] = Byte.parseByte(e.substring(2));
    }
  }

  private Ibans() {}

  @Override
  public void find(Text text, List<Finding> out) {
    String s = text.s;
    char[] iban = new char[MAX];
    for (int digits : text.numberStarts()) {
      int i = digits - 2; // the check digits start a run of digits after the country code
      char c = at(s, i);
      if (upper(c) && upper(s.charAt(i + 1)) && digit(at(s, digits + 1))
          && !alnumBefore(s, i)) {
        int len = LENGTH[(c - 'A') * 26 + s.charAt(i + 1) - 'A'];
        int end = len == 0 ? -1 : ibanEnd(s, i, len, iban);
        if (end > 0) {
          out.add(new Finding(NAME, i, end));
        }
      }
    }
  }

  /** The end of an IBAN of {@code len} chars at {@code i}, or -1. Reads at most 42 chars. */
  private static int ibanEnd(String s, int i, int len, char[] iban) {
    boolean grouped = at(s, i + 4) == ' ';
    int k = i;
    for (int count = 0; count < len; count++) {
      if (grouped && count > 0 && count % 4 == 0) {
        if (at(s, k) != ' ') {
          return -1;
        }
        k++;
      }
      char c = at(s, k++);
      if (!upper(c) && !digit(c)) {
        return -1;
      }
      iban[count] = c;
    }
    return alnum(at(s, k)) || mod97(iban, len) != 1 ? -1 : k;
  }

  /** ISO 7064 MOD 97-10 of the IBAN with its first four chars moved to the end, A=10 … Z=35. */
  static int mod97(char[] iban, int len) {
    int r = 0;
    for (int k = 4; k < len + 4; k++) {
      char c = iban[k < len ? k : k - len];
      r = digit(c) ? (r * 10 + c - '0') % 97 : (r * 100 + c - 'A' + 10) % 97;
    }
    return r;
  }
}
