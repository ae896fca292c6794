// nemoclaw tool governance for OpenClaw: before every tool call OpenClaw makes, ask the nemoclaw
// supervisor (POST http://policy.local/v1/tools/evaluate) and honour its answer.
//
//   not allowed          -> the call is blocked; the model reads "blocked by nemoclaw policy: <reason>"
//   masked `arguments`   -> the call runs with them
//   redactOutput         -> the result goes through POST /v1/tools/result before the model sees it
//   no usable answer     -> blocked ("nemoclaw could not be asked"): fail closed
//
// Hooks: the typed `before_tool_call` hook (gate + parameter rewrite; OpenClaw wraps every agent
// tool with it: exec/process, read/write/edit/apply_patch, browser, web_fetch/web_search, MCP and
// plugin tools) and the agent tool-result middleware (`api.registerAgentToolResultMiddleware`,
// async, runs before the result is fed back to the model; `after_tool_call` is observe-only).
//
// Active only inside a nemoclaw sandbox (NEMOCLAW_SANDBOX set). No dependencies but node:http.

import { createGovernance } from "./governance.js";

const ID = "nemoclaw";
const DEFAULT_POLICY_URL = "http://policy.local";
const DEFAULT_TIMEOUT_SECONDS = 900; // require-approval holds the answer until an operator decides
let saidInactive = false;
// Shared by every registration in this process, even when OpenClaw loads this module more than
// once: see createGovernance's `pending`.
const PENDING = Symbol.for("nemoclaw.openclaw.pendingRedactions");
const pendingRedactions = (globalThis[PENDING] ??= new Map());

function register(api) {
  const log = api.logger ?? console;
  const env = process.env;
  if (!env.NEMOCLAW_SANDBOX) {
    if (!saidInactive) {
      saidInactive = true;
      log.info?.("nemoclaw: NEMOCLAW_SANDBOX is not set (not in a nemoclaw sandbox): tool calls are not governed");
    }
    return;
  }
  const cfg = api.pluginConfig ?? {};
  const policyUrl = String(env.NEMOCLAW_POLICY_URL || cfg.policyUrl || DEFAULT_POLICY_URL).replace(/\/+$/, "");
  const timeoutSeconds =
    typeof cfg.timeoutSeconds === "number" && cfg.timeoutSeconds > 0 ? cfg.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
  // OpenClaw registers tool-result middleware of an installed plugin only when the plugin is
  // explicitly enabled (plugins.entries.nemoclaw.enabled: true); without it, calls whose output
  // must be redacted are blocked instead of run unredacted.
  const explicitlyEnabled = api.config?.plugins?.entries?.[ID]?.enabled === true;
  const governance = createGovernance({
    policyUrl,
    timeoutMs: timeoutSeconds * 1000,
    canRewriteResults: explicitlyEnabled && typeof api.registerAgentToolResultMiddleware === "function",
    log,
    env,
    pending: pendingRedactions,
  });

  api.on("before_tool_call", (event, ctx) => governance.beforeToolCall(event, ctx), {
    // Last: the masked arguments nemoclaw returns are the ones that run (OpenClaw keeps the last
    // returned params), and a block from any other hook still stops the call.
    priority: -10_000,
    // OpenClaw's default budget for this hook is 15 s (then it blocks): too short for an operator's
    // decision. hooks.timeouts.before_tool_call in the plugin's config entry overrides this.
    timeoutMs: (timeoutSeconds + 30) * 1000,
  });

  if (explicitlyEnabled && typeof api.registerAgentToolResultMiddleware === "function") {
    try {
      api.registerAgentToolResultMiddleware((event, ctx) => governance.afterToolCall(event, ctx), {
        runtimes: ["openclaw", "codex"],
      });
    } catch (err) {
      governance.setCanRewriteResults(false);
      log.warn?.(`nemoclaw: cannot register the tool-result middleware (${err?.message ?? err}); calls whose output must be redacted will be blocked`);
    }
  } else {
    log.warn?.("nemoclaw: plugins.entries.nemoclaw.enabled is not true; calls whose output must be redacted will be blocked");
  }
  log.info?.(`nemoclaw: tool calls in sandbox ${env.NEMOCLAW_SANDBOX} are evaluated by ${policyUrl}`);
}

export default {
  id: ID,
  name: "nemoclaw tool governance",
  description: "Asks nemoclaw (http://policy.local) before every tool call and honours its answer",
  register,
};
