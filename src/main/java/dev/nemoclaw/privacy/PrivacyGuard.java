package dev.nemoclaw.privacy;

import dev.nemoclaw.spec.PrivacyScope;

/**
 * The privacy settings of one run applied to text. Thread-safe. {@link #check} scans any text;
 * {@link #checkJson} scans only the string values of a JSON document (so masking keeps it valid
 * JSON) and falls back to {@link #check} when the text is not JSON.
 */
public interface PrivacyGuard {
  /** Whether texts of this scope are scanned at all. */
  boolean covers(PrivacyScope scope);

  Verdict check(PrivacyScope scope, String text);

  Verdict checkJson(PrivacyScope scope, String json);

  /** Scans nothing. */
  static PrivacyGuard off() {
    return new PrivacyGuard() {
      @Override
      public boolean covers(PrivacyScope scope) {
        return false;
      }

      @Override
      public Verdict check(PrivacyScope scope, String text) {
        return new Verdict.Clean();
      }

      @Override
      public Verdict checkJson(PrivacyScope scope, String json) {
        return new Verdict.Clean();
      }
    };
  }
}
