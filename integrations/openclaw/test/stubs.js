// Stub servers for the tests: a nemoclaw policy service and an OpenAI-compatible model that plays
// a script of tool calls. Node built-ins only.

import http from "node:http";

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

const RAW = Symbol("raw");
/** A reply with this status and body (a string is sent as is) instead of a 200 JSON answer. */
export function raw(status, body) {
  return { [RAW]: true, status, body };
}

/**
 * A stub policy.local. decide(body) -> the evaluate answer (or raw(status, body));
 * redact(body) -> the result answer. Records every request in `requests` ({path, url, host, body}).
 * It also accepts absolute-form requests (as a proxy would forward them).
 */
export async function startPolicyServer({ decide, redact } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const url = req.url;
    const path = url.startsWith("http://") ? new URL(url).pathname : url;
    requests.push({ method: req.method, path, url, host: req.headers.host, body });
    let answer;
    if (req.method === "POST" && path === "/v1/tools/evaluate") {
      answer = await (decide ?? (() => ({ allowed: true, action: "allow", callId: "c0", redactOutput: false })))(body);
    } else if (req.method === "POST" && path === "/v1/tools/result") {
      answer = await (redact ?? ((b) => ({ result: b.result, findings: [] })))(body);
    } else {
      answer = raw(404, { error: "not_found" });
    }
    const isRaw = answer?.[RAW] === true;
    const status = isRaw ? answer.status : 200;
    const out = isRaw ? answer.body : answer;
    const text = typeof out === "string" ? out : JSON.stringify(out);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(text);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/**
 * A stub OpenAI-compatible model (/v1/chat/completions, streaming or not). Each request gets the
 * next step of `script`: {tool, arguments} (a tool call) or {answer} (text). Past the script it
 * answers "done". Records every request body in `requests`.
 */
export async function startModelServer(script) {
  const requests = [];
  let step = 0;
  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    let body = {};
    try {
      body = JSON.parse(raw);
    } catch {}
    if (!req.url.endsWith("/chat/completions")) {
      if (req.url.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "main", object: "model" }] }));
        return;
      }
      res.writeHead(404).end();
      return;
    }
    requests.push(body);
    const s = script[step] ?? { answer: "done" };
    step += 1;
    const id = `call_stub_${step}`;
    const model = body.model ?? "main";
    const chunk = (delta, finish = null) =>
      `data: ${JSON.stringify({ id: "chatcmpl-stub", object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    if (!body.stream) {
      const message = s.tool
        ? { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: s.tool, arguments: JSON.stringify(s.arguments ?? {}) } }] }
        : { role: "assistant", content: s.answer };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "chatcmpl-stub", object: "chat.completion", created: 0, model, choices: [{ index: 0, message, finish_reason: s.tool ? "tool_calls" : "stop" }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if (s.tool) {
      res.write(chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id, type: "function", function: { name: s.tool, arguments: "" } }] }));
      res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(s.arguments ?? {}) } }] }));
      res.write(chunk({}, "tool_calls"));
    } else {
      res.write(chunk({ role: "assistant", content: "" }));
      res.write(chunk({ content: s.answer }));
      res.write(chunk({}, "stop"));
    }
    if (body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id: "chatcmpl-stub", object: "chat.completion.chunk", created: 0, model, choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/** The tool results (role "tool" messages) a model request carried, as text. */
export function toolResultsIn(request) {
  return (request?.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
}
