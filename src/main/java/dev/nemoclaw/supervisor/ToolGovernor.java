package dev.nemoclaw.supervisor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nemoclaw.approval.ApprovalRequest;
import dev.nemoclaw.approval.Inbox;
import dev.nemoclaw.approval.Resolution;
import dev.nemoclaw.audit.AuditEvent;
import dev.nemoclaw.policy.ToolDecision;
import dev.nemoclaw.policy.ToolPolicy;
import dev.nemoclaw.privacy.Finding;
import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.privacy.Verdict;
import dev.nemoclaw.spec.Defaults;
import dev.nemoclaw.spec.Privacy;
import dev.nemoclaw.spec.PrivacyAction;
import dev.nemoclaw.spec.PrivacyScope;
import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.ToolAction;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The stateful half of tool governance (docs/tools.md): the rules ({@link ToolPolicy}, live)
 * say what a call's action is; the governor applies it. {@code rate-limit} keeps a sliding
 * window per (rule, server, tool); {@code pii-scan} runs the run's privacy detectors over the
 * arguments (mask: the call runs with masked arguments; block: refused; audit: allowed, with
 * findings); {@code require-approval} holds a {@link ApprovalRequest.Kind#TOOL} request in the
 * run's inbox (denied at once in --ci); {@code redact-output} allows the call and masks its
 * result in {@link #redact}. Every decision is audited. Thread-safe.
 *
 * <p>Both policy.local's {@code /v1/tools/*} and the proxy's MCP gate call this one object, so
 * an agent cannot pick the more lenient path.
 */
public final class ToolGovernor {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How many calls are remembered for {@code /v1/tools/result}. */
  static final int CALLS = 4096;
  static final int PREVIEW = 160;
  /** Past this many rate windows, idle ones are dropped. */
  static final int MAX_WINDOWS = 4096;

  private record Call(String server, String tool, boolean redactOutput) {}

  private record WindowKey(String rule, String server, String tool, Duration per) {}

  private final String sandbox;
  private final Supplier<ToolPolicy> rules;
  private final Supplier<Privacy> privacy;
  private final Inbox inbox;
  private final Clock clock;
  private final Consumer<AuditEvent.ToolCall> audit;
  private final SecureRandom random = new SecureRandom();
  private final Map<WindowKey, ArrayDeque<Instant>> windows = new HashMap<>();
  private final LinkedHashMap<String, Call> calls = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Call> eldest) {
      return size() > CALLS;
    }
  };
  private volatile Guards guards = new Guards(null, PrivacyGuard.off(), PrivacyGuard.off());
  /** Operators see arguments through every built-in detector, whatever the run scans for. */
  private final PrivacyGuard previewGuard = PrivacyGuard.of(new Privacy(Defaults.DETECTORS,
      PrivacyAction.MASK, List.of(PrivacyScope.EGRESS)));

  /**
   * @param rules the tools rules in force now (read on each call: hot reload)
   * @param privacy the privacy settings in force now: their detectors and action are pii-scan's;
   *     without detectors, pii-scan and redact-output use the default set (action mask)
   */
  public ToolGovernor(String sandbox, Supplier<ToolPolicy> rules, Supplier<Privacy> privacy,
      Inbox inbox, Clock clock, Consumer<AuditEvent.ToolCall> audit) {
    this.sandbox = sandbox;
    this.rules = rules;
    this.privacy = privacy;
    this.inbox = inbox;
    this.clock = clock;
    this.audit = audit;
  }

  /** Whether an MCP {@code tools/list} should show the tool: not when its rule blocks it. */
  public boolean listed(String server, String tool) {
    return rules.get().decide(server, tool).action() != ToolAction.BLOCK;
  }

  /**
   * Decides one call. The stage completes at once except for require-approval, which completes
   * when the operator decides (or the approval times out); it never completes exceptionally.
   *
   * @param binary the executable that made the call, as the sandbox sees it, when known
   */
  public CompletionStage<ToolOutcome> evaluate(String server, String tool, JsonNode arguments,
      Optional<String> binary) {
    return evaluate(server, tool, arguments, binary, java.util.OptionalLong.empty());
  }

  CompletionStage<ToolOutcome> evaluate(String server, String tool, JsonNode arguments,
      Optional<String> binary, java.util.OptionalLong pid) {
    ToolDecision d = rules.get().decide(server, tool);
    String id = newCallId();
    CompletionStage<ToolOutcome> out = switch (d.action()) {
      case ALLOW -> done(outcome(d, id, true, d.reason()));
      case BLOCK -> done(outcome(d, id, false, d.reason()));
      case REDACT_OUTPUT -> done(outcome(d, id, true, d.reason() + " The result is redacted"
          + " (POST /v1/tools/result)."));
      case RATE_LIMIT -> done(rateLimit(d, id, server, tool));
      case PII_SCAN -> done(piiScan(d, id, arguments));
      case REQUIRE_APPROVAL -> approval(d, id, server, tool, arguments, binary, pid);
    };
    return out.thenApply(o -> {
      if (o.allowed()) {
        remember(id, new Call(server, tool, o.redactOutput()));
      }
      audit.accept(new AuditEvent.ToolCall(clock.instant(), server, tool, o.action().yaml(),
          o.allowed(), o.rule(), o.reason(), o.risk().yaml(), o.findings(),
          o.approval().map(a -> a.id() + " " + a.verdict() + " by " + a.by() + " ("
              + a.channel() + ")"), binary.orElse("")));
      return o;
    });
  }

  /**
   * The result of call {@code callId} as the agent may see it: masked by the privacy detectors
   * (whatever the privacy action) when its rule is redact-output, else unchanged.
   *
   * @throws IllegalArgumentException no allowed call has that id (or it is long forgotten)
   */
  public ToolOutcome.Redacted redact(String callId, JsonNode result) {
    Call c;
    synchronized (calls) {
      c = calls.get(callId);
    }
    if (c == null) {
      throw new IllegalArgumentException("no allowed call " + callId);
    }
    return c.redactOutput() ? mask(result) : new ToolOutcome.Redacted(result, Map.of(), false);
  }

  /** As {@link #redact(String, JsonNode)}, by the rule in force for {@code server/tool} now. */
  public ToolOutcome.Redacted redact(String server, String tool, JsonNode result) {
    return rules.get().decide(server, tool).action() == ToolAction.REDACT_OUTPUT ? mask(result)
        : new ToolOutcome.Redacted(result, Map.of(), false);
  }

  /** The arguments as an operator may see them: masked, one line, at most 160 characters. */
  String preview(JsonNode arguments) {
    Verdict v = previewGuard.checkJson(PrivacyScope.EGRESS, arguments.toString());
    String s = v instanceof Verdict.Masked m ? m.text() : arguments.toString();
    return s.length() <= PREVIEW ? s : s.substring(0, PREVIEW - 1) + "…";
  }

  private ToolOutcome.Redacted mask(JsonNode result) {
    Verdict v = guards().mask.checkJson(PrivacyScope.EGRESS, result.toString());
    if (v instanceof Verdict.Masked m) {
      return new ToolOutcome.Redacted(parse(m.text(), result), counts(v.findings()), true);
    }
    return new ToolOutcome.Redacted(result, Map.of(), true);
  }

  private ToolOutcome rateLimit(ToolDecision d, String id, String server, String tool) {
    RateLimit limit = d.rateLimit().orElseThrow();
    Instant now = clock.instant();
    Duration per = limit.per();
    synchronized (windows) {
      if (windows.size() >= MAX_WINDOWS) {
        // an agent inventing tool names must not grow this without bound: drop idle windows
        windows.entrySet().removeIf(e -> e.getValue().isEmpty()
            || !e.getValue().peekLast().plus(e.getKey().per()).isAfter(now));
      }
      ArrayDeque<Instant> w = windows.computeIfAbsent(new WindowKey(d.rule(), server, tool, per),
          k -> new ArrayDeque<>());
      while (!w.isEmpty() && !w.peekFirst().plus(per).isAfter(now)) {
        w.pollFirst();
      }
      if (w.size() >= limit.requests()) {
        Duration wait = Duration.between(now, w.peekFirst().plus(per));
        long secs = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ToolOutcome(false, d.action(), d.rule(), server + "/" + tool + " was called "
            + limit.requests() + (limit.requests() == 1 ? " time" : " times") + " in the last " + dev.nemoclaw.spec.Values.format(per)
            + " (" + d.rule() + "); retry in " + secs + "s.", id, false, Optional.empty(),
            OptionalLong.of(secs), Optional.empty(), Map.of(), d.risk());
      }
      w.addLast(now);
    }
    return outcome(d, id, true, d.reason());
  }

  private ToolOutcome piiScan(ToolDecision d, String id, JsonNode arguments) {
    Verdict v = guards().scan.checkJson(PrivacyScope.EGRESS, arguments.toString());
    Map<String, Integer> found = counts(v.findings());
    String what = found.isEmpty() ? "" : " (" + describe(found) + ")";
    return switch (v) {
      case Verdict.Clean c -> outcome(d, id, true, d.reason() + " No findings in the arguments.");
      case Verdict.Audited a -> new ToolOutcome(true, d.action(), d.rule(), d.reason()
          + " Findings in the arguments were recorded" + what + ".", id, false, Optional.empty(),
          OptionalLong.empty(), Optional.empty(), found, d.risk());
      case Verdict.Masked m -> new ToolOutcome(true, d.action(), d.rule(), d.reason()
          + " The arguments were masked" + what + "; run the call with the arguments given.",
          id, false, Optional.of(parse(m.text(), arguments)), OptionalLong.empty(),
          Optional.empty(), found, d.risk());
      case Verdict.Blocked b -> new ToolOutcome(false, d.action(), d.rule(), d.reason()
          + " The arguments hold personal data or secrets" + what + ", and privacy.action is"
          + " block.", id, false, Optional.empty(), OptionalLong.empty(), Optional.empty(),
          found, d.risk());
    };
  }

  private CompletionStage<ToolOutcome> approval(ToolDecision d, String id, String server,
      String tool, JsonNode arguments, Optional<String> binary, OptionalLong pid) {
    ApprovalRequest request = ApprovalRequest.tool(sandbox, server, tool, preview(arguments), id,
        binary, pid);
    return inbox.submit(request).thenApply(r -> {
      ToolOutcome.Approval a = new ToolOutcome.Approval(r.approval().orElse(""),
          r.verdict().wire(), r.decider().user(), r.decider().channel());
      return new ToolOutcome(r.allowed(), d.action(), d.rule(), approvalReason(d, server + "/"
          + tool, r), id, false, Optional.empty(), OptionalLong.empty(), Optional.of(a),
          Map.of(), d.risk());
    });
  }

  private String approvalReason(ToolDecision d, String call, Resolution r) {
    String rule = " (" + d.rule() + ")";
    return switch (r.decider().channel()) {
      case "ci" -> call + " needs an operator's approval" + rule + ", and in --ci mode nothing is"
          + " asked, so it is refused.";
      case "timeout" -> "No decision on " + call + " within " + dev.nemoclaw.spec.Values.format(
          inbox.approvalTimeout()) + " (network.approvalTimeout), so it is refused.";
      case "stop" -> "The sandbox is stopping, so " + call + " is refused.";
      default -> call + (r.allowed() ? " was approved (" : " was denied (") + r.verdict().wire()
          + ") by " + r.decider().describe() + rule + ".";
    };
  }

  private ToolOutcome outcome(ToolDecision d, String id, boolean allowed, String reason) {
    return new ToolOutcome(allowed, d.action(), d.rule(), reason, id,
        allowed && d.action() == ToolAction.REDACT_OUTPUT, Optional.empty(),
        OptionalLong.empty(), Optional.empty(), Map.of(), d.risk());
  }

  private static CompletionStage<ToolOutcome> done(ToolOutcome o) {
    return CompletableFuture.completedFuture(o);
  }

  private void remember(String id, Call c) {
    synchronized (calls) {
      calls.put(id, c);
    }
  }

  private String newCallId() {
    byte[] b = new byte[6];
    random.nextBytes(b);
    return "c" + java.util.HexFormat.of().formatHex(b);
  }

  /** The guards for the privacy settings in force, rebuilt when they change (hot reload). */
  private record Guards(Privacy spec, PrivacyGuard scan, PrivacyGuard mask) {}

  private Guards guards() {
    Privacy p = privacy.get();
    Guards g = guards;
    if (g.spec() != p) {
      var detectors = p.enabled() ? p.detectors() : Defaults.DETECTORS;
      PrivacyAction action = p.enabled() ? p.action() : PrivacyAction.MASK;
      g = new Guards(p, PrivacyGuard.of(new Privacy(detectors, action,
          List.of(PrivacyScope.EGRESS))), PrivacyGuard.of(new Privacy(detectors,
          PrivacyAction.MASK, List.of(PrivacyScope.EGRESS))));
      guards = g;
    }
    return g;
  }

  private static Map<String, Integer> counts(List<Finding> findings) {
    Map<String, Integer> out = new TreeMap<>();
    findings.forEach(f -> out.merge(f.detector(), 1, Integer::sum));
    return out;
  }

  private static String describe(Map<String, Integer> found) {
    StringBuilder s = new StringBuilder();
    found.forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append(" ×").append(v));
    return s.toString();
  }

  private static JsonNode parse(String text, JsonNode fallback) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }
}
