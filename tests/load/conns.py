#!/usr/bin/env python3
"""Many connections at once through the sandbox's egress proxy (LoadIT, bench/load.sh).

  conns.py tunnels N HOST:PORT HELD_URL
      opens N CONNECT tunnels to an echo origin, all at once; each echoes a line; prints
      "open: N" and "echoed: K"; then asks HELD_URL (held for an operator: the test approves it
      while the N tunnels stay open) and prints "held: STATUS"; then echoes a second line on
      every tunnel ("echoed2: K") and closes them.
  conns.py inspected N HOST:PORT
      opens N CONNECT tunnels to an HTTPS origin the proxy inspects, a TLS session with the
      sandbox CA in each (trusted through SSL_CERT_FILE), all kept open; then one keep-alive
      GET on each in turn; prints "tls: K" (handshakes done) and "ok200: K".
  conns.py requests N URL
      sends N GET requests for URL at once (absolute form, one connection each; "{i}" in URL
      becomes the request's number, 0 to N-1) and waits for
      every answer; prints "sent: N" as soon as all are sent, then "answered: K", "ok200: K".

Everything on one thread with selectors: N sockets, not N threads (the sandbox's pids limit).
"""
import os
import selectors
import ssl
import socket
import sys
import time
from urllib.parse import urlsplit

DEADLINE = 120.0


def proxy():
    u = urlsplit(os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY")
                 or "http://127.0.0.1:3128")
    return u.hostname, u.port or 3128


def say(key, value):
    print(f"{key}: {value}", flush=True)


def open_all(n, first_bytes):
    """n connections to the proxy, first_bytes(i) sent on each."""
    socks = []
    for i in range(n):
        s = socket.create_connection(proxy(), timeout=30)
        s.sendall(first_bytes(i))
        socks.append(s)
    return socks


def read_until(socks, done):
    """Reads every socket until done(buffer) or EOF; the buffers, in order."""
    bufs = [b""] * len(socks)
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    left = len(socks)
    end = time.monotonic() + DEADLINE
    while left and time.monotonic() < end:
        for key, _ in sel.select(timeout=1.0):
            i = key.data
            try:
                d = key.fileobj.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            bufs[i] += d
            if not d or done(bufs[i]):
                sel.unregister(key.fileobj)
                left -= 1
    sel.close()
    for s in socks:
        s.setblocking(True)
    return bufs


def status(buf):
    line = buf.split(b"\r\n", 1)[0].split(b" ")
    return line[1].decode() if len(line) > 1 else "none"


def get(url):
    host = urlsplit(url).netloc
    return (f"GET {url} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").encode()


def tunnels(n, target, held_url):
    socks = open_all(n, lambda i: f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    heads = read_until(socks, lambda b: b"\r\n\r\n" in b)
    say("open", sum(1 for h in heads if status(h) == "200"))
    refused = [h for h in heads if status(h) != "200"]
    if refused:
        say("refused", f"{len(refused)}, the first: {refused[0][:300]!r}")
    for round_, key in ((1, "echoed"), (2, "echoed2")):
        for i, s in enumerate(socks):
            s.sendall(f"ping {round_} {i}\n".encode())
        echoes = read_until(socks, lambda b: b.endswith(b"\n"))
        say(key, sum(1 for i, e in enumerate(echoes) if e == f"ping {round_} {i}\n".encode()))
        if round_ == 1:
            [h] = open_all(1, lambda i: get(held_url))
            [answer] = read_until([h], lambda b: False)  # to EOF: Connection: close
            say("held", status(answer))
            h.close()
    for s in socks:
        s.close()


def read_response(t):
    """One response with a Content-Length body, from a blocking socket."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        d = t.recv(65536)
        if not d:
            return answer
        answer += d
    head, body = answer.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        d = t.recv(65536)
        if not d:
            break
        body += d
    return head + b"\r\n\r\n" + body


def inspected(n, target):
    host = target.split(":")[0]
    socks = open_all(n, lambda i: f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    heads = read_until(socks, lambda b: b"\r\n\r\n" in b)
    ctx = ssl.create_default_context()
    t0 = time.monotonic()
    sessions = [ctx.wrap_socket(s, server_hostname=host) for s, h in zip(socks, heads)
                if status(h) == "200"]
    say("tls", len(sessions))
    say("tls-ms", int((time.monotonic() - t0) * 1000))
    t0 = time.monotonic()
    ok = 0
    for i, t in enumerate(sessions):
        t.sendall(f"GET /ok/{i} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        answer = read_response(t)
        ok += status(answer) == "200" and answer.endswith(f"/ok/{i}\n".encode())
    say("ok200", ok)
    say("requests-ms", int((time.monotonic() - t0) * 1000))
    for t in sessions:
        t.close()


def requests(n, url):
    socks = open_all(n, lambda i: get(url.replace("{i}", str(i))))
    say("sent", n)
    answers = read_until(socks, lambda b: False)
    say("answered", sum(1 for a in answers if a))
    say("ok200", sum(1 for a in answers if status(a) == "200"))
    for s in socks:
        s.close()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "tunnels":
        tunnels(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif mode == "inspected":
        inspected(int(sys.argv[2]), sys.argv[3])
    elif mode == "requests":
        requests(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: conns.py tunnels N HOST:PORT HELD_URL | inspected N HOST:PORT | requests N URL")
