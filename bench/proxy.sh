#!/usr/bin/env bash
# The egress proxy against going direct and against squid, all in one run, on loopback only:
#   - throughput: one 1 GiB download with curl (direct, via nemoclaw, via squid; plus nemoclaw's
#     CONNECT tunnel), best of RUNS;
#   - small-request rate: wrk, CONN keep-alive connections for DUR seconds, each side warmed first.
# Needs (Debian): nginx-light squid wrk curl; as root: apt-get install -y nginx-light squid wrk
# Usage: bench/proxy.sh [RUNS=3] [DUR=10] [CONN=50]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-3} DUR=${2:-10} CONN=${3:-50}
ORIGIN_PORT=18080 NEMO_PORT=13129 SQUID_PORT=13128
for t in nginx squid wrk curl; do
  command -v "$t" >/dev/null || { echo "bench/proxy.sh: needs $t (apt-get install -y nginx-light squid wrk curl)" >&2; exit 1; }
done
cd "$ROOT"
source scripts/find-java.sh
JAVA_HOME=$(find_java)
if [[ ! -d target/classes/dev/nemoclaw/egress || ! -d target/lib ]]; then
  "$ROOT/mvnw" -B -ntp -q compile dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib
fi

W=$(mktemp -d /tmp/nemoclaw-bench.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

mkdir -p "$W/www" "$W/squid"
truncate -s 1G "$W/www/big.bin"
head -c 512 /dev/zero | tr '\0' 'x' >"$W/www/small.txt"
cat >"$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 60;
  server { listen 127.0.0.1:$ORIGIN_PORT; root $W/www; }
}
CONF
nginx -p "$W" -c "$W/nginx.conf" -g 'daemon off;' & PIDS+=($!)

chmod 777 "$W/squid"
cat >"$W/squid.conf" <<CONF
http_port 127.0.0.1:$SQUID_PORT
acl origin dst 127.0.0.1/32
acl origin_port port $ORIGIN_PORT
acl CONNECT method CONNECT
http_access allow origin origin_port
http_access deny all
cache deny all
cache_mem 0 MB
access_log none
cache_log $W/squid/cache.log
pid_filename $W/squid/squid.pid
coredump_dir $W/squid
shutdown_lifetime 1 seconds
workers 1
CONF
squid -N -f "$W/squid.conf" & PIDS+=($!)

"$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "target/classes:target/lib/*" dev.nemoclaw.egress.ProxyMain \
  --listen 127.0.0.1:$NEMO_PORT --allow 127.0.0.1 2>"$W/nemo.err" & PIDS+=($!)

for port in $ORIGIN_PORT $SQUID_PORT $NEMO_PORT; do
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

BIG=http://127.0.0.1:$ORIGIN_PORT/big.bin
SMALL=http://127.0.0.1:$ORIGIN_PORT/small.txt
declare -A PROXY=([direct]="" [nemoclaw]="-x http://127.0.0.1:$NEMO_PORT" [squid]="-x http://127.0.0.1:$SQUID_PORT"
                  [nemoclaw-connect]="-p -x http://127.0.0.1:$NEMO_PORT")

# warm up (JIT, page cache): a few GiB through nemoclaw and one through squid
for _ in 1 2 3; do curl -s -o /dev/null ${PROXY[nemoclaw]} "$BIG"; done
curl -s -o /dev/null ${PROXY[squid]} "$BIG"

best_speed() { # bytes/s, best of RUNS
  local best=0 s
  for _ in $(seq "$RUNS"); do
    s=$(curl -s -o /dev/null -w '%{speed_download}' $1 "$BIG")
    s=${s%.*}
    (( s > best )) && best=$s
  done
  echo "$best"
}
declare -A TP
for k in direct nemoclaw nemoclaw-connect squid; do TP[$k]=$(best_speed "${PROXY[$k]}"); done

cat >"$W/proxy.lua" <<LUA
wrk.path = "$SMALL"
LUA
rate() { # requests/s; \$1: direct|port
  local out
  if [[ $1 == direct ]]; then
    wrk -t2 -c"$CONN" -d3s "$SMALL" >/dev/null
    out=$(wrk -t2 -c"$CONN" -d"${DUR}s" "$SMALL")
  else
    wrk -t2 -c"$CONN" -d3s -s "$W/proxy.lua" "http://127.0.0.1:$1/" >/dev/null
    out=$(wrk -t2 -c"$CONN" -d"${DUR}s" -s "$W/proxy.lua" "http://127.0.0.1:$1/")
  fi
  grep -q "Non-2xx" <<<"$out" && { echo "bench/proxy.sh: non-2xx answers via $1" >&2; echo "$out" >&2; }
  awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out"
}
declare -A RPS
RPS[direct]=$(rate direct)
RPS[nemoclaw]=$(rate $NEMO_PORT)
RPS[squid]=$(rate $SQUID_PORT)

echo
echo "1 GiB download (curl, best of $RUNS)"
printf '| %-18s | %10s | %10s | %9s |\n' path "MiB/s" "× direct" "× squid"
printf '|%s|%s|%s|%s|\n' "--------------------" "-----------:" "-----------:" "----------:"
for k in direct nemoclaw nemoclaw-connect squid; do
  printf '| %-18s | %10.0f | %10.2f | %9.2f |\n' "$k" "$(bc -l <<<"${TP[$k]}/1048576")" \
    "$(bc -l <<<"${TP[$k]}/${TP[direct]}")" "$(bc -l <<<"${TP[$k]}/${TP[squid]}")"
done
echo
echo "small requests (512 B, wrk -t2 -c$CONN, ${DUR}s, keep-alive)"
printf '| %-18s | %10s | %10s | %9s |\n' path "req/s" "× direct" "× squid"
printf '|%s|%s|%s|%s|\n' "--------------------" "-----------:" "-----------:" "----------:"
for k in direct nemoclaw squid; do
  printf '| %-18s | %10d | %10.2f | %9.2f |\n' "$k" "${RPS[$k]}" \
    "$(bc -l <<<"${RPS[$k]}/${RPS[direct]}")" "$(bc -l <<<"${RPS[$k]}/${RPS[squid]}")"
done
