// End to end with the real OpenClaw: it loads the plugin from plugins.load.paths, and one
// `openclaw agent --local` run whose (stub) model asks for four exec calls shows each decision
// arriving where it matters: in the tool results the model reads next, and on disk.
//
// Needs OPENCLAW_RUNTIME (the directory examples/openclaw/prepare.sh makes: bin/node,
// bin/openclaw); test.sh sets it. Without it these tests are skipped.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startModelServer, startPolicyServer, toolResultsIn } from "./stubs.js";

const PLUGIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNTIME = process.env.OPENCLAW_RUNTIME;
const skip = !RUNTIME || !fs.existsSync(path.join(RUNTIME, "bin", "openclaw"))
  ? "OPENCLAW_RUNTIME is not set to a prepared OpenClaw runtime (examples/openclaw/prepare.sh)"
  : false;

let tmp;

function writeConfig(dir, modelUrl) {
  const config = {
    models: {
      providers: {
        stub: {
          baseUrl: modelUrl,
          apiKey: "stub-key",
          api: "openai-completions",
          models: [{ id: "main", name: "stub model" }],
        },
      },
    },
    agents: { defaults: { model: { primary: "stub/main" }, workspace: path.join(dir, "workspace") } },
    update: { checkOnStart: false },
    memory: { search: { enabled: false } },
    plugins: {
      load: { paths: [PLUGIN_DIR] },
      entries: { nemoclaw: { enabled: true } },
    },
  };
  const file = path.join(dir, "openclaw.json");
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function openclaw(args, { env = {}, timeoutMs = 240_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(RUNTIME, "bin", "node"), [path.join(RUNTIME, "bin", "openclaw"), ...args], {
      cwd: tmp,
      env: {
        PATH: `${path.join(RUNTIME, "bin")}:/usr/local/bin:/usr/bin:/bin`,
        HOME: path.join(tmp, "home"),
        OPENCLAW_STATE_DIR: path.join(tmp, "state"),
        OPENCLAW_CONFIG_PATH: path.join(tmp, "openclaw.json"),
        OPENCLAW_OFFLINE: "1",
        OPENCLAW_NO_AUTO_UPDATE: "1",
        DO_NOT_TRACK: "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

before(() => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nemoclaw-openclaw-e2e-"));
  fs.mkdirSync(path.join(tmp, "home"));
  fs.mkdirSync(path.join(tmp, "state"));
  fs.mkdirSync(path.join(tmp, "workspace"));
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("OpenClaw loads the plugin and registers its before_tool_call hook", { skip }, async () => {
  writeConfig(tmp, "http://127.0.0.1:9/v1");
  const r = await openclaw(["plugins", "inspect", "nemoclaw", "--runtime", "--json"], {
    env: { NEMOCLAW_SANDBOX: "test", NEMOCLAW_POLICY_URL: "http://127.0.0.1:9" },
  });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  assert.equal(report.plugin.id, "nemoclaw");
  assert.equal(report.plugin.status, "loaded", JSON.stringify(report.diagnostics));
  assert.equal(report.plugin.format, "openclaw");
  assert.ok(report.typedHooks.some((h) => h.name === "before_tool_call"), JSON.stringify(report.typedHooks));
  const errors = (report.diagnostics ?? []).filter((d) => d.level === "error");
  assert.deepEqual(errors, []);
});

test("an agent run: blocked, masked, redacted and allowed exec calls, as the model sees them", { skip }, async () => {
  const marker = path.join(tmp, "workspace", "forbidden-ran");
  const policy = await startPolicyServer({
    decide(body) {
      const cmd = String(body.arguments?.command ?? "");
      if (cmd.includes("forbidden")) {
        return { allowed: false, action: "block", rule: "server:openclaw/tool:exec", reason: "no forbidden commands", callId: "c1", redactOutput: false };
      }
      if (cmd.includes("card")) {
        return { allowed: true, action: "pii-scan", rule: "r2", reason: "masked", callId: "c2", redactOutput: false, arguments: { ...body.arguments, command: "echo card=[MASKED]" } };
      }
      if (cmd.includes("secret")) {
        return { allowed: true, action: "redact-output", rule: "r3", reason: "redact", callId: "c3", redactOutput: true };
      }
      return { allowed: true, action: "allow", rule: "r4", reason: "ok", callId: "c4", redactOutput: false };
    },
    redact(body) {
      const text = JSON.stringify(body.result).replaceAll("hunter2", "[REDACTED]");
      return { result: JSON.parse(text), findings: [{ detector: "secret" }] };
    },
  });
  const model = await startModelServer([
    { tool: "exec", arguments: { command: `touch ${marker}; echo forbidden` } },
    { tool: "exec", arguments: { command: "echo card=4111111111111111" } },
    { tool: "exec", arguments: { command: "echo secret=hunter2" } },
    { tool: "exec", arguments: { command: "echo plain-ok" } },
    { answer: "all done" },
  ]);
  try {
    writeConfig(tmp, model.url);
    const r = await openclaw(["agent", "--local", "--agent", "main", "--session-id", "e2e", "-m", "run the commands"], {
      env: { NEMOCLAW_SANDBOX: "test", NEMOCLAW_POLICY_URL: policy.url },
    });
    const log = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-4000)}`;
    assert.ok(model.requests.length >= 5, `the model was asked ${model.requests.length} times\n${log}`);
    const evaluated = policy.requests.filter((q) => q.path === "/v1/tools/evaluate").map((q) => q.body);
    assert.deepEqual(evaluated.map((b) => [b.server, b.tool]), Array(4).fill(["openclaw", "exec"]), log);
    assert.match(evaluated[0].arguments.command, /forbidden/);

    const results = (i) => toolResultsIn(model.requests[i]).at(-1) ?? "";
    // 1. blocked: the model reads the reason; the command never ran.
    assert.match(results(1), /blocked by nemoclaw policy: no forbidden commands/, log);
    assert.equal(fs.existsSync(marker), false, "the blocked command ran");
    // 2. masked: the command ran with the masked arguments.
    assert.match(results(2), /card=\[MASKED\]/, log);
    assert.doesNotMatch(results(2), /4111111111111111/);
    // 3. redacted: the output went through /v1/tools/result before the model saw it.
    assert.match(results(3), /secret=\[REDACTED\]/, log);
    assert.doesNotMatch(results(3), /hunter2/);
    const redactions = policy.requests.filter((q) => q.path === "/v1/tools/result");
    assert.equal(redactions.length, 1, log);
    assert.equal(redactions[0].body.callId, "c3");
    // 4. allowed: untouched.
    assert.match(results(4), /plain-ok/, log);
  } finally {
    await model.close();
    await policy.close();
  }
});

test("outside a sandbox (NEMOCLAW_SANDBOX unset) the plugin registers nothing", { skip }, async () => {
  writeConfig(tmp, "http://127.0.0.1:9/v1");
  const r = await openclaw(["plugins", "inspect", "nemoclaw", "--runtime", "--json"], { env: {} });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  assert.equal(report.plugin.status, "loaded");
  assert.deepEqual(report.typedHooks, []);
});
