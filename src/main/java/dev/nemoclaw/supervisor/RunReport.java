package dev.nemoclaw.supervisor;

import dev.nemoclaw.inference.InferenceSnapshot;
import dev.nemoclaw.inference.RouteHealth;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The {@code run --report} JSON of CONTRACT §4. Field names are the contract; sections that later
 * issues fill (approvals, audit) are present and empty until then.
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

  /**
   * What went through inference.local: requests the agent made, tokens both ways, the cost, and
   * each route's health at the end ({@code routes}: name, state, calls, failures, tokens, usd).
   */
  public record Inference(long requests, long refused, long tokens, long promptTokens,
      long completionTokens, BigDecimal usd, long unpricedCalls, List<RouteHealth> routes) {
    static final Inference NONE = new Inference(0, 0, 0, 0, 0, BigDecimal.ZERO, 0, List.of());

    static Inference of(InferenceSnapshot s) {
      return new Inference(s.requests(), s.refused(), s.tokens(), s.promptTokens(),
          s.completionTokens(), s.usd(), s.unpricedCalls(), s.routes());
    }
  }

  public record Privacy(List<Map<String, Object>> findings) {}

  public record Audit(String file, String headHash) {}

  /** What protected this run, as enforced (not as asked). */
  public record Sandbox(
      String backend, int landlockAbi, int seccompRules, String limits, List<String> namespaces) {}
}
