// The decisions: what to tell OpenClaw before a tool call, and what to do with its result.
// Kept free of OpenClaw imports so the tests can drive it with a stub policy server.

import { postJson } from "./policy-client.js";

export const SERVER = "openclaw";
export const BLOCK_PREFIX = "blocked by nemoclaw policy";
export const UNREACHABLE_PREFIX = "blocked: nemoclaw could not be asked";
const MAX_PENDING = 4096;

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function errorText(err) {
  const cause = err?.cause ? ` (${err.cause.code ?? err.cause.message ?? err.cause})` : "";
  return `${err?.code ? `${err.code}: ` : ""}${err?.message ?? String(err)}${cause}`;
}

/**
 * @param {object} opts
 * @param {string} opts.policyUrl          base URL, e.g. http://policy.local
 * @param {number} [opts.timeoutMs]        per request (evaluate may wait for an operator)
 * @param {boolean} [opts.canRewriteResults] whether the result middleware is registered
 * @param {object} [opts.log]              {info, warn}
 * @param {object} [opts.env]              environment (proxy variables)
 * @param {Map} [opts.pending]             toolCallId -> callId of outputs to redact; share one map
 *                                         between instances (OpenClaw may call register() several
 *                                         times, and the hook of one registry can meet the
 *                                         middleware of another)
 */
export function createGovernance(opts) {
  const policyUrl = opts.policyUrl;
  const timeoutMs = opts.timeoutMs ?? 900_000;
  const log = opts.log ?? { info() {}, warn() {} };
  const env = opts.env ?? process.env;
  let canRewriteResults = opts.canRewriteResults ?? true;
  // toolCallId -> callId, for the calls whose output must go through /v1/tools/result.
  const pendingRedactions = opts.pending ?? new Map();

  function remember(toolCallId, callId) {
    pendingRedactions.set(toolCallId, callId);
    while (pendingRedactions.size > MAX_PENDING) {
      pendingRedactions.delete(pendingRedactions.keys().next().value);
    }
  }

  const unreachable = (detail) => ({
    block: true,
    blockReason: `${UNREACHABLE_PREFIX} (${policyUrl}/v1/tools/evaluate: ${detail}); the call was not run`,
  });

  /** The before_tool_call handler: (event, ctx) -> {block, blockReason} | {params} | undefined. */
  async function beforeToolCall(event, ctx = {}) {
    const tool = String(event?.toolName ?? "");
    const args = isPlainObject(event?.params) ? event.params : {};
    let answer;
    try {
      answer = await postJson(policyUrl, "v1/tools/evaluate", { server: SERVER, tool, arguments: args }, {
        timeoutMs,
        signal: ctx.abortSignal,
        env,
      });
    } catch (err) {
      log.warn(`nemoclaw: evaluate ${tool} failed: ${errorText(err)}`);
      return unreachable(errorText(err));
    }
    if (answer.status !== 200) {
      const why = isPlainObject(answer.json) && typeof answer.json.reason === "string" ? `: ${answer.json.reason}` : "";
      return unreachable(`HTTP ${answer.status}${why}`);
    }
    const d = answer.json;
    if (!isPlainObject(d) || typeof d.allowed !== "boolean") {
      return unreachable("malformed answer (no boolean 'allowed')");
    }
    if (!d.allowed) {
      const reason = typeof d.reason === "string" && d.reason ? d.reason : `action ${d.action ?? "block"}`;
      const extras = [];
      if (typeof d.rule === "string" && d.rule) extras.push(`rule ${d.rule}`);
      if (typeof d.retryAfterSeconds === "number") extras.push(`retry after ${d.retryAfterSeconds} s`);
      return {
        block: true,
        blockReason: `${BLOCK_PREFIX}: ${reason}${extras.length ? ` (${extras.join("; ")})` : ""}`,
      };
    }
    let params;
    if (d.arguments !== undefined && d.arguments !== null) {
      if (!isPlainObject(d.arguments)) {
        return unreachable("malformed answer ('arguments' is not an object)");
      }
      // OpenClaw merges returned params shallowly over the originals: a key the policy dropped
      // must be cleared explicitly, or its unmasked value would survive.
      params = { ...d.arguments };
      for (const key of Object.keys(args)) {
        if (!(key in params)) params[key] = undefined;
      }
    }
    if (d.redactOutput === true) {
      if (typeof d.callId !== "string" || !d.callId) {
        return unreachable("malformed answer (redactOutput without a callId)");
      }
      if (!canRewriteResults) {
        return {
          block: true,
          blockReason:
            `${BLOCK_PREFIX}: this call's output must be redacted, and the nemoclaw plugin cannot ` +
            `rewrite tool results here (enable it explicitly: plugins.entries.nemoclaw.enabled: true)`,
        };
      }
      if (!event.toolCallId) {
        return {
          block: true,
          blockReason: `${BLOCK_PREFIX}: this call's output must be redacted, and OpenClaw gave it no toolCallId to match its result`,
        };
      }
      remember(event.toolCallId, d.callId);
    }
    return params ? { params } : undefined;
  }

  /** Whether a result for toolCallId must be redacted. */
  function needsRedaction(toolCallId) {
    return pendingRedactions.has(toolCallId);
  }

  const withheld = (detail) => ({
    content: [
      {
        type: "text",
        text: `output withheld by nemoclaw policy: it must be redacted and nemoclaw could not redact it (${detail})`,
      },
    ],
    details: { status: "error", nemoclaw: "redaction-failed" },
  });

  function asToolResult(redacted) {
    if (isPlainObject(redacted) && Array.isArray(redacted.content)) {
      return redacted;
    }
    if (typeof redacted === "string") {
      return { content: [{ type: "text", text: redacted }] };
    }
    return { content: [{ type: "text", text: JSON.stringify(redacted) }] };
  }

  /** The tool-result middleware: (event, ctx) -> {result} | undefined. */
  async function afterToolCall(event, ctx = {}) {
    const toolCallId = event?.toolCallId;
    if (!toolCallId || !pendingRedactions.has(toolCallId)) return undefined;
    const callId = pendingRedactions.get(toolCallId);
    pendingRedactions.delete(toolCallId);
    let answer;
    try {
      answer = await postJson(policyUrl, "v1/tools/result", { callId, result: event.result ?? null }, {
        timeoutMs: Math.min(timeoutMs, 120_000),
        signal: ctx.abortSignal,
        env,
      });
    } catch (err) {
      log.warn(`nemoclaw: redacting ${event.toolName} failed: ${errorText(err)}`);
      return { result: withheld(errorText(err)) };
    }
    if (answer.status !== 200) return { result: withheld(`HTTP ${answer.status}`) };
    if (!isPlainObject(answer.json) || !("result" in answer.json)) {
      return { result: withheld("malformed answer (no 'result')") };
    }
    const findings = Array.isArray(answer.json.findings) ? answer.json.findings.length : 0;
    if (findings > 0) log.info(`nemoclaw: redacted ${findings} finding(s) in ${event.toolName} output`);
    return { result: asToolResult(answer.json.result) };
  }

  return {
    beforeToolCall,
    afterToolCall,
    needsRedaction,
    setCanRewriteResults(v) {
      canRewriteResults = v;
    },
  };
}
