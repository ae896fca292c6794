#!/usr/bin/env bash
# Download throughput of TLS inspection against a plain CONNECT tunnel and a direct download, in
# the same run: one HTTPS origin (Python, a test CA, 127.0.0.1), 512 MiB fetched by curl.
#   direct      curl on the host, straight to the origin
#   tunnel      curl in a sandbox, through the proxy, rule without inspect (bytes relayed)
#   inspected   the same with inspect: true (TLS terminated with the sandbox CA and re-encrypted)
#   inspected, C1 only   the same with the supervisor JVM limited to C1 (the launcher's old flags)
# Usage: bench/inspect.sh [MiB]   (needs openssl, python3, curl; root or rootless)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIB=${1:-512}
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext \
  -out srv.pem 2>/dev/null
cat > serve.py <<'PY'
import http.server, ssl, sys
size = int(sys.argv[1]) << 20
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            self.wfile.write(chunk)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("srv.pem", "srv.key")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 serve.py "$MIB" > port & server=$!
for _ in $(seq 50); do [[ -s port ]] && break; sleep 0.1; done
port=$(cat port)
url="https://127.0.0.1:$port/big"
spec() {
  cat > "$1.yaml" <<YAML
apiVersion: nemoclaw.dev/v1
name: bench-$1
command: [true]
network:
  mode: proxy
  unknown: deny
  allow:
    - {host: 127.0.0.1, ports: [$port], inspect: $2}
YAML
}
spec tunnel false
spec inspected true
chmod -R a+rX "$work"
fetch='curl -sS --noproxy "" -o /dev/null -w "%{speed_download}" '"$url"
# without inspection the sandbox sees the origin's own certificate, from a CA only this script
# knows: -k there (the bytes are encrypted and relayed all the same)
mbs() { awk '{printf "%.0f", $1 / 1048576}'; }
echo "| path | MiB/s |"
echo "|---|---:|"
echo "| direct | $(curl -sS --cacert ca.pem -o /dev/null -w '%{speed_download}' "$url" | mbs) |"
sandboxed() {   # sandboxed SPEC CURL-FLAGS [JVM flags]: the speed curl saw inside, in MiB/s
  SSL_CERT_FILE=$work/ca.pem NEMOCLAW_HOME=$work/home NEMOCLAW_JVM_DEBUG=${3:-} \
    "$ROOT/nemoclaw" run "$1.yaml" -- sh -c "$fetch $2" 2>"$work/err" | mbs
  grep -v '^nemoclaw: ' "$work/err" >&2 || true
}
echo "| tunnel | $(sandboxed tunnel -k) |"
echo "| inspected | $(sandboxed inspected "") |"
echo "| inspected, C1 only | $(sandboxed inspected "" -XX:TieredStopAtLevel=1) |"
