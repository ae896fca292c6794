package dev.nemoclaw.privacy;

import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyScope;

/**
 * The privacy settings of one run applied to text. Thread-safe. {@link #check} scans any text;
 * {@link #checkJson} scans the values of a JSON document, not its keys (so masking keeps it
 * valid JSON), and falls back to {@link #check} when the text is not JSON. A guard never acts:
 * its verdict says what the caller must do.
 */
public interface PrivacyGuard {
  /** Whether texts of this scope are scanned at all. */
  boolean covers(PrivacyScope scope);

  /**
   * Scans {@code text}; findings are spans of {@code text}. {@link Verdict.Masked#text()} is
   * {@code text} with each finding replaced by {@code [REDACTED:<detector>]}.
   */
  Verdict check(PrivacyScope scope, String text);

  /**
   * Scans the string values of the JSON document {@code json} (and its integers), not its keys.
   * Each finding's span is relative to the decoded string value it was found in, not to
   * {@code json}; findings come in document order. {@link Verdict.Masked#text()} is the document
   * re-serialized compactly with the findings masked inside their values (a masked integer
   * becomes a string), so it stays valid JSON. A member whose key names a secret
   * ({@code "client_secret": "…"}) is judged like an assignment: its whole value is one finding
   * when it passes the secret detector's test. Text that is not one JSON document (or has
   * duplicate keys) is handled as by {@link #check}.
   */
  Verdict checkJson(PrivacyScope scope, String json);

  /**
   * The guard for a run's {@code privacy} settings: it covers the listed scopes when detectors
   * are enabled, and answers with the verdict the {@code action} calls for.
   */
  static PrivacyGuard of(Privacy spec) {
    return spec.enabled() && !spec.scope().isEmpty() ? new ScanningGuard(spec) : off();
  }

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
