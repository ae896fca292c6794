// A minimal JSON-over-HTTP client for http://policy.local, on node:http only.
//
// Why not fetch: OpenClaw installs its own undici global dispatcher in its process (proxy
// handling, timeouts), and undici's default headers timeout (300 s) would cut a require-approval
// answer that the supervisor holds until an operator decides. node:http has no such timeout, and
// sending the request to the proxy ourselves does not depend on NODE_USE_ENV_PROXY or on what
// OpenClaw did to the global agent.
//
// Inside a nemoclaw sandbox HTTP_PROXY is http://127.0.0.1:3128 and there is no DNS: a plain-HTTP
// request for http://policy.local/... goes to the proxy in absolute form, and the supervisor
// answers it (CONTRACT §3, §5).

import http from "node:http";

/** The proxy to use for url (an http: URL), from HTTP_PROXY / http_proxy and NO_PROXY, or null. */
export function proxyFor(url, env = process.env) {
  const raw = env.HTTP_PROXY || env.http_proxy || env.ALL_PROXY || env.all_proxy || "";
  if (!raw) return null;
  let proxy;
  try {
    proxy = new URL(raw);
  } catch {
    return null;
  }
  if (proxy.protocol !== "http:") return null;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of noProxy) {
    if (entry === "*") return null;
    // host, host:port, [v6], [v6]:port or a bare v6 address
    const bare = entry.startsWith("[")
      ? entry.slice(1, entry.indexOf("]") > 0 ? entry.indexOf("]") : undefined)
      : entry.split(":").length === 2 ? entry.split(":")[0] : entry;
    const suffix = bare.startsWith(".") ? bare : `.${bare}`;
    if (host === bare || host.endsWith(suffix)) return null;
  }
  return proxy;
}

/**
 * POSTs body as JSON to baseUrl + path. Resolves {status, json} (json undefined when the body is
 * not JSON); rejects on connection errors, timeout or abort.
 */
export function postJson(baseUrl, path, body, { timeoutMs = 900_000, signal, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    let url;
    try {
      url = new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    } catch (err) {
      reject(err);
      return;
    }
    if (url.protocol !== "http:") {
      reject(new Error(`unsupported policy URL ${url.href} (http: only)`));
      return;
    }
    const payload = Buffer.from(JSON.stringify(body));
    const proxy = proxyFor(url, env);
    const options = {
      method: "POST",
      // Our own agent: never the global one, which NODE_USE_ENV_PROXY or OpenClaw may configure.
      agent: new http.Agent({ keepAlive: false }),
      headers: {
        host: url.host,
        "content-type": "application/json",
        accept: "application/json",
        "content-length": payload.length,
        "user-agent": "nemoclaw-openclaw-plugin",
      },
      ...(proxy
        ? { host: proxy.hostname.replace(/^\[|\]$/g, ""), port: proxy.port || 80, path: url.href }
        : { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || 80, path: url.pathname + url.search }),
    };
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener?.("abort", onAbort);
      fn(value);
    };
    const req = http.request(options, (res) => {
      const chunks = [];
      let size = 0;
      res.on("data", (c) => {
        size += c.length;
        if (size > 16 * 1024 * 1024) {
          req.destroy(new Error("answer larger than 16 MiB"));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        finish(resolve, { status: res.statusCode, json, text });
      });
      res.on("error", (err) => finish(reject, err));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    timer.unref?.();
    const onAbort = () => req.destroy(new Error("the tool call was cancelled"));
    if (signal?.aborted) {
      onAbort();
    } else {
      signal?.addEventListener?.("abort", onAbort, { once: true });
    }
    req.on("error", (err) => finish(reject, err));
    req.end(payload);
  });
}
