package dev.nemoclaw.supervisor;

import java.util.List;
import java.util.Map;

/**
 * The {@code run --report} JSON of CONTRACT §4. Field names are the contract; sections that later
 * issues fill (denied, approvals, inference, privacy, audit) are present and empty until then.
 */
public record RunReport(
    String name,
    int exitCode,
    String outcome,
    long durationMs,
    List<Map<String, Object>> denied,
    List<Map<String, Object>> approvals,
    Resources resources,
    Inference inference,
    Privacy privacy,
    Audit audit,
    Sandbox sandbox) {

  public record Resources(long peakMemoryBytes, double cpuSeconds, long peakPids) {}

  public record Inference(long requests, long tokens, double usd) {}

  public record Privacy(List<Map<String, Object>> findings) {}

  public record Audit(String file, String headHash) {}

  /** What protected this run, as enforced (not as asked). */
  public record Sandbox(
      String backend, int landlockAbi, int seccompRules, String limits, List<String> namespaces) {}
}
