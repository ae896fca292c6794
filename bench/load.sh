#!/usr/bin/env bash
# The load cases of docs/reliability.md, with the numbers they measure: CONNECTIONS at once in one
# sandbox (tunnels, inspected TLS sessions and held requests; the proxy takes up to 1024), SANDBOXES at once, and the
# supervisor's peak RSS. Runs LoadIT (needs root: its origins listen on 203.0.113.7 on lo).
#   bench/load.sh [CONNECTIONS] [SANDBOXES]   (default 1000 20; inspected TLS sessions: CONNECTIONS too)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/find-java.sh
JAVA_HOME=$(find_java); export JAVA_HOME
./nemoclaw --version >/dev/null   # builds when needed
rm -f target/load.txt
./mvnw -B -ntp -q verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LoadIT \
  -Dnemoclaw.load.connections="${1:-1000}" -Dnemoclaw.load.sandboxes="${2:-20}" -Dnemoclaw.load.inspected="${1:-1000}" >target/load.log 2>&1 ||
  { tail -40 target/load.log >&2; echo "bench/load.sh: LoadIT failed (target/load.log)" >&2; exit 1; }
echo "load $(date -u +%F) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg):"
cat target/load.txt
