// The plugin's decisions against a stub policy service, through its real entry point (index.js)
// registered on a fake OpenClaw plugin API. Fast; no OpenClaw needed.

import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import plugin from "../index.js";
import { proxyFor } from "../policy-client.js";
import { startPolicyServer, raw } from "./stubs.js";

let policy;
const savedEnv = { ...process.env };

function fakeApi({ enabled = true } = {}) {
  const api = {
    id: "nemoclaw",
    config: { plugins: { entries: { nemoclaw: { enabled } } } },
    pluginConfig: {},
    logs: [],
    hooks: [],
    middlewares: [],
    logger: {
      info: (m) => api.logs.push(["info", m]),
      warn: (m) => api.logs.push(["warn", m]),
    },
    on(name, handler, opts) {
      api.hooks.push({ name, handler, opts });
    },
    registerAgentToolResultMiddleware(handler, opts) {
      api.middlewares.push({ handler, opts });
    },
  };
  return api;
}

/** Registers the plugin and returns {before, after} bound to its handlers. */
function load(opts) {
  const api = fakeApi(opts);
  plugin.register(api);
  const hook = api.hooks.find((h) => h.name === "before_tool_call");
  return {
    api,
    before: (toolName, params, toolCallId = "call-1") => hook.handler({ toolName, params, toolCallId }, {}),
    after: (toolName, result, toolCallId = "call-1") =>
      api.middlewares[0].handler({ toolName, toolCallId, args: {}, result }, { runtime: "openclaw" }),
  };
}

function env(vars) {
  for (const k of ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "NEMOCLAW_POLICY_URL", "NEMOCLAW_SANDBOX"]) {
    delete process.env[k];
  }
  Object.assign(process.env, vars);
}

beforeEach(async () => {
  policy = await startPolicyServer({
    decide(body) {
      const a = body.arguments ?? {};
      switch (a.case) {
        case "block":
          return { allowed: false, action: "block", rule: "org:acme/tool:exec", reason: "shell is not allowed here", callId: "b1", redactOutput: false };
        case "rate":
          return { allowed: false, action: "rate-limit", rule: "r", reason: "too many calls", callId: "b2", redactOutput: false, retryAfterSeconds: 30 };
        case "mask":
          return { allowed: true, action: "pii-scan", rule: "r", reason: "masked", callId: "m1", redactOutput: false, arguments: { case: "mask", text: "card [MASKED]" } };
        case "drop":
          return { allowed: true, action: "pii-scan", rule: "r", reason: "masked", callId: "m2", redactOutput: false, arguments: { case: "drop" } };
        case "redact":
          return { allowed: true, action: "redact-output", rule: "r", reason: "redact", callId: "red-1", redactOutput: true };
        case "500":
          return raw(500, { error: "boom" });
        case "garbage":
          return raw(200, "not json");
        case "noallowed":
          return { action: "allow" };
        case "badargs":
          return { allowed: true, action: "pii-scan", callId: "x", redactOutput: false, arguments: "nope" };
        case "slow":
          return new Promise((r) => setTimeout(() => r({ allowed: true, action: "require-approval", callId: "s", redactOutput: false }), 300));
        default:
          return { allowed: true, action: "allow", rule: "r", reason: "ok", callId: "a1", redactOutput: false };
      }
    },
    redact(body) {
      if (body.callId === "red-fail") return raw(503, { error: "down" });
      const text = JSON.stringify(body.result).replaceAll("4111111111111111", "[REDACTED]");
      return { result: JSON.parse(text), findings: [{ detector: "credit-card" }] };
    },
  });
  env({ NEMOCLAW_SANDBOX: "unit", NEMOCLAW_POLICY_URL: policy.url });
});

afterEach(async () => {
  await policy.close();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

test("registers a before_tool_call hook for all tools, last, with a long budget, and the result middleware", () => {
  const { api } = load();
  const hook = api.hooks.find((h) => h.name === "before_tool_call");
  assert.ok(hook);
  assert.equal(hook.opts.matcher, undefined, "every tool");
  assert.ok(hook.opts.timeoutMs >= 600_000, "room for an operator's decision");
  assert.equal(api.middlewares.length, 1);
  assert.deepEqual(api.middlewares[0].opts.runtimes, ["openclaw", "codex"]);
});

test("an allowed call passes unchanged, and the request is {server, tool, arguments}", async () => {
  const { before } = load();
  const out = await before("exec", { command: "ls", case: "allow" });
  assert.equal(out, undefined);
  const [req] = policy.requests;
  assert.equal(req.path, "/v1/tools/evaluate");
  assert.deepEqual(req.body, { server: "openclaw", tool: "exec", arguments: { command: "ls", case: "allow" } });
});

test("a blocked call is blocked with the policy's reason", async () => {
  const { before } = load();
  const out = await before("exec", { case: "block" });
  assert.equal(out.block, true);
  assert.equal(out.blockReason, "blocked by nemoclaw policy: shell is not allowed here (rule org:acme/tool:exec)");
});

test("a rate-limited call is blocked and says when to retry", async () => {
  const { before } = load();
  const out = await before("web_fetch", { case: "rate" });
  assert.equal(out.block, true);
  assert.match(out.blockReason, /^blocked by nemoclaw policy: too many calls \(rule r; retry after 30 s\)$/);
});

test("masked arguments replace the call's parameters", async () => {
  const { before } = load();
  const out = await before("write", { case: "mask", text: "card 4111111111111111" });
  assert.deepEqual(out, { params: { case: "mask", text: "card [MASKED]" } });
});

test("a parameter the masked arguments leave out is cleared, not kept (OpenClaw merges shallowly)", async () => {
  const { before } = load();
  const out = await before("write", { case: "drop", secret: "4111111111111111" });
  assert.ok("secret" in out.params);
  assert.equal(out.params.secret, undefined);
  assert.equal(JSON.stringify(out.params), '{"case":"drop"}');
});

test("redactOutput: the result goes through /v1/tools/result and the redacted one is returned", async () => {
  const { before, after } = load();
  assert.equal(await before("read", { case: "redact" }, "call-r"), undefined);
  const result = { content: [{ type: "text", text: "card 4111111111111111" }], details: { path: "x" } };
  const out = await after("read", result, "call-r");
  assert.deepEqual(out, { result: { content: [{ type: "text", text: "card [REDACTED]" }], details: { path: "x" } } });
  const req = policy.requests.find((r) => r.path === "/v1/tools/result");
  assert.deepEqual(req.body, { callId: "red-1", result });
  // once only, and not for other calls
  assert.equal(await after("read", result, "call-r"), undefined);
  assert.equal(await after("read", result, "call-other"), undefined);
});

test("redaction that fails withholds the output instead of passing it on", async () => {
  const { before, after } = load();
  await before("read", { case: "redact" }, "call-f");
  await policy.close();
  const out = await after("read", { content: [{ type: "text", text: "card 4111111111111111" }] }, "call-f");
  assert.match(out.result.content[0].text, /^output withheld by nemoclaw policy/);
  assert.doesNotMatch(JSON.stringify(out), /4111/);
});

test("without the result middleware (plugin not explicitly enabled) a call that needs redaction is blocked", async () => {
  const { api, before } = load({ enabled: false });
  assert.equal(api.middlewares.length, 0);
  const out = await before("read", { case: "redact" });
  assert.equal(out.block, true);
  assert.match(out.blockReason, /^blocked by nemoclaw policy: this call's output must be redacted/);
  // ...while other calls still work
  assert.equal(await before("read", { case: "allow" }), undefined);
});

test("fail closed: unreachable, non-200, non-JSON, no 'allowed', bad 'arguments' all block", async () => {
  const { before } = load();
  for (const c of ["500", "garbage", "noallowed", "badargs"]) {
    const out = await before("exec", { case: c });
    assert.equal(out?.block, true, c);
    assert.match(out.blockReason, /^blocked: nemoclaw could not be asked/, c);
  }
  await policy.close();
  const out = await before("exec", { case: "allow" });
  assert.equal(out.block, true);
  assert.match(out.blockReason, /^blocked: nemoclaw could not be asked \(http:\/\/127\.0\.0\.1:\d+\/v1\/tools\/evaluate: .*ECONNREFUSED/);
});

test("a slow answer (an operator deciding) is waited for", async () => {
  const { before } = load();
  assert.equal(await before("exec", { case: "slow" }), undefined);
});

test("a cancelled tool call stops waiting and blocks", async () => {
  const api = fakeApi();
  plugin.register(api);
  const hook = api.hooks.find((h) => h.name === "before_tool_call");
  const ctl = new AbortController();
  const pending = hook.handler({ toolName: "exec", params: { case: "slow" }, toolCallId: "c" }, { abortSignal: ctl.signal });
  setTimeout(() => ctl.abort(), 50);
  const out = await pending;
  assert.equal(out.block, true);
  assert.match(out.blockReason, /cancelled/);
});

test("inside a sandbox it goes through HTTP_PROXY to http://policy.local in absolute form", async () => {
  // The stub plays the egress proxy: it gets "POST http://policy.local/v1/tools/evaluate".
  env({ NEMOCLAW_SANDBOX: "unit", HTTP_PROXY: policy.url, NO_PROXY: "localhost,127.0.0.1,::1" });
  const { before } = load();
  assert.equal(await before("exec", { case: "allow" }), undefined);
  const [req] = policy.requests;
  assert.equal(req.url, "http://policy.local/v1/tools/evaluate");
  assert.equal(req.host, "policy.local");
});

test("NO_PROXY is honoured", () => {
  const e = { HTTP_PROXY: "http://127.0.0.1:3128", NO_PROXY: "localhost,127.0.0.1,::1,.internal" };
  assert.equal(proxyFor(new URL("http://policy.local/"), e)?.port, "3128");
  assert.equal(proxyFor(new URL("http://127.0.0.1:8080/"), e), null);
  assert.equal(proxyFor(new URL("http://[::1]:8080/"), e), null);
  assert.equal(proxyFor(new URL("http://a.internal/"), e), null);
  assert.equal(proxyFor(new URL("http://policy.local/"), {}), null);
});

test("outside a sandbox it registers nothing and says so once", () => {
  env({});
  const a = fakeApi();
  const b = fakeApi();
  plugin.register(a);
  plugin.register(b);
  assert.deepEqual(a.hooks, []);
  assert.deepEqual(b.hooks, []);
  const said = [...a.logs, ...b.logs].filter(([, m]) => /NEMOCLAW_SANDBOX is not set/.test(m));
  assert.ok(said.length <= 1, JSON.stringify(said));
});

test("the manifest and package.json are what OpenClaw expects", async () => {
  const fs = await import("node:fs");
  const manifest = JSON.parse(fs.readFileSync(new URL("../openclaw.plugin.json", import.meta.url)));
  const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url)));
  assert.equal(manifest.id, plugin.id);
  assert.equal(manifest.configSchema.type, "object");
  assert.deepEqual(manifest.contracts.agentToolResultMiddleware, ["openclaw", "codex"]);
  assert.deepEqual(pkg.openclaw.extensions, ["./index.js"]);
  assert.equal(pkg.dependencies, undefined, "Node built-ins only");
});

