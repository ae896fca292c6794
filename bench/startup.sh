#!/usr/bin/env bash
# Start-up benchmark: `nemoclaw run` of `true`, the sandbox init alone, bubblewrap and docker,
# measured in the same run with hyperfine; prints a markdown table of medians and ratios.
# Usage: bench/startup.sh [RUNS]   (needs: hyperfine, bwrap; docker if an engine is running)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-30}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "needs bwrap (apt-get install bubblewrap)" >&2; exit 1; }

export NEMOCLAW_HOME="$OUT/home"
cat >"$OUT/true.yaml" <<YAML
apiVersion: nemoclaw.dev/v1
name: bench-true
command: ["true"]
network: {mode: none}
YAML
"$ROOT/nemoclaw" --version >/dev/null   # build if needed, outside the timing

cmds=(
  "nemoclaw run" "$ROOT/nemoclaw run $OUT/true.yaml"
  "nemoclaw --version" "$ROOT/nemoclaw --version"
  "nemoclaw-init alone" "python3 $ROOT/tests/native/plan.py --run -- true"
  "bwrap --unshare-all" "bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp true"
)
if docker info >/dev/null 2>&1 && docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  cmds+=("docker run" "docker run --rm --read-only --network none debian:bookworm-slim true")
fi

args=()
for ((i = 0; i < ${#cmds[@]}; i += 2)); do args+=(-n "${cmds[i]}" "${cmds[i + 1]}"); done
hyperfine -N -w 3 -r "$RUNS" --export-json "$OUT/r.json" "${args[@]}" >&2

python3 - "$OUT/r.json" <<'PY'
import json, sys, statistics
r = {x["command"]: statistics.median(x["times"]) * 1000 for x in json.load(open(sys.argv[1]))["results"]}
bw = r.get("bwrap --unshare-all"); dk = r.get("docker run")
print("| command | median ms | × bwrap | × docker run |")
print("|---|---:|---:|---:|")
for k, v in r.items():
    print(f"| {k} | {v:.1f} | {v / bw:.2f} | " + (f"{v / dk:.2f} |" if dk else "– |"))
PY
