package dev.nemoclaw.privacy;

import dev.nemoclaw.spec.BuiltinDetector;
import dev.nemoclaw.spec.Detector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds what a list of detectors matches in a text. Immutable and thread-safe. Every detector,
 * custom ones included, runs in time linear in the text, so a scan costs the same whatever the
 * agent puts in it: there is no input that makes it backtrack.
 */
public final class Scanner {
  /** Earlier first; at the same start the longer one, so it wins the overlap. */
  private static final Comparator<Finding> ORDER = Comparator.comparingInt(Finding::start)
      .thenComparing(Comparator.comparingInt(Finding::end).reversed());

  private final List<TextDetector> detectors;

  private Scanner(List<TextDetector> detectors) {
    this.detectors = List.copyOf(detectors);
  }

  public static Scanner of(List<Detector> detectors) {
    return new Scanner(detectors.stream().map(Scanner::detector).toList());
  }

  private static TextDetector detector(Detector d) {
    return switch (d) {
      case Detector.Builtin b -> switch (b.kind()) {
        case CREDIT_CARD -> CreditCards.INSTANCE;
        case US_SSN -> UsSsns.INSTANCE;
        case EMAIL -> Emails.INSTANCE;
        case PHONE -> Phones.INSTANCE;
        case IBAN -> Ibans.INSTANCE;
        case SECRET -> Secrets.INSTANCE;
      };
      case Detector.Custom c -> new CustomRegex(c.name(), c.pattern());
    };
  }

  /**
   * The findings in {@code text}, sorted by start and not overlapping: where two detectors'
   * matches overlap, the one that starts earlier wins, or at the same start the longer one (then
   * the detector listed first).
   */
  public List<Finding> scan(CharSequence text) {
    Text t = new Text(text.toString());
    List<Finding> all = new ArrayList<>();
    for (TextDetector d : detectors) {
      d.find(t, all);
    }
    if (all.isEmpty()) {
      return List.of();
    }
    all.sort(ORDER);
    List<Finding> kept = new ArrayList<>(all.size());
    int end = 0;
    for (Finding f : all) {
      if (f.start() >= end) {
        kept.add(f);
        end = f.end();
      }
    }
    return List.copyOf(kept);
  }

  /**
   * The findings in the string value of a JSON member: those of {@link #scan}, unless the secret
   * detector runs, the key names a secret ({@code "client_secret": "…"}) and the value passes
   * the test of an assigned secret; then the whole value is one secret, as it would be in
   * {@code client_secret=…}, whose key a scan of the value alone never sees.
   */
  List<Finding> scanMember(String key, String value) {
    if (detectors.contains(Secrets.INSTANCE) && Secrets.assignedSecret(key, value)) {
      return List.of(new Finding(BuiltinDetector.SECRET.yaml(), 0, value.length()));
    }
    return scan(value);
  }
}
