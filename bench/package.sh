#!/usr/bin/env bash
# Start-up of an installed package (/usr/bin/nemoclaw, from packaging/jpackage/build.sh) against
# the checkout's ./nemoclaw, in one hyperfine run: `run` of `true` in proxy mode, `--version`, `ps`
# and `--help`. Also the installed copy with the run's AOT cache forced on for the short commands,
# which is why its launcher gives them another cache (or, --version, none).
# Usage: bench/package.sh [RUNS] (default 10); needs hyperfine and the package installed
# (sudo dpkg -i target/packages/nemoclaw_*.deb).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-10}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[[ -x /usr/bin/nemoclaw ]] || { echo "needs the package installed: sudo dpkg -i target/packages/nemoclaw_*.deb" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export NEMOCLAW_HOME="$OUT/home"
cat >"$OUT/proxy.yaml" <<YAML
apiVersion: nemoclaw.dev/v1
name: bench-package
command: ["true"]
network: {mode: proxy, unknown: deny}
YAML
"$ROOT/nemoclaw" --version >/dev/null   # build if needed, outside the timing
aot=-XX:AOTCache=/opt/nemoclaw/lib/app/nemoclaw.aot
hyperfine -N -w 2 -r "$RUNS" --export-markdown "$OUT/result.md" \
  -n "installed: nemoclaw run" "/usr/bin/nemoclaw run $OUT/proxy.yaml" \
  -n "checkout: ./nemoclaw run" "$ROOT/nemoclaw run $OUT/proxy.yaml" \
  -n "installed: nemoclaw --version" "/usr/bin/nemoclaw --version" \
  -n "installed: nemoclaw --version, run's cache" "env NEMOCLAW_JVM_DEBUG=$aot /usr/bin/nemoclaw --version" \
  -n "checkout: ./nemoclaw --version" "$ROOT/nemoclaw --version" \
  -n "installed: nemoclaw ps" "/usr/bin/nemoclaw ps" \
  -n "installed: nemoclaw ps, run's cache" "env NEMOCLAW_JVM_DEBUG=$aot /usr/bin/nemoclaw ps" \
  -n "checkout: ./nemoclaw ps" "$ROOT/nemoclaw ps" \
  -n "installed: nemoclaw help" "/usr/bin/nemoclaw --help" \
  -n "checkout: ./nemoclaw help" "$ROOT/nemoclaw --help" >&2
cat "$OUT/result.md"
