package dev.nemoclaw.supervisor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the privacy detectors found during the run, from the inference gateway and the egress
 * proxy alike, counted per (scope, where, detector, action) for the report. Never a value.
 */
final class PrivacyFindings {
  private record Key(String scope, String target, String detector, String action)
      implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      return (scope + '\0' + target + '\0' + detector + '\0' + action)
          .compareTo(o.scope + '\0' + o.target + '\0' + o.detector + '\0' + o.action);
    }
  }

  private final Map<Key, Integer> counts = new TreeMap<>();

  /**
   * @param target where the text was going: a route for inference, host:port for egress
   * @param detectors how many times each detector matched
   */
  synchronized void add(String scope, String target, String action,
      Map<String, Integer> detectors) {
    detectors.forEach((d, n) -> counts.merge(new Key(scope, target, d, action), n, Integer::sum));
  }

  /** The report's {@code privacy.findings}: {scope, target, detector, action, count}. */
  synchronized List<Map<String, Object>> report() {
    List<Map<String, Object>> out = new ArrayList<>();
    counts.forEach((k, n) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scope", k.scope());
      m.put("target", k.target());
      m.put("detector", k.detector());
      m.put("action", k.action());
      m.put("count", n);
      out.add(m);
    });
    return out;
  }
}
