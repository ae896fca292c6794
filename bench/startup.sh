#!/usr/bin/env bash
# Start-up benchmark: `nemoclaw run` of `true` (network none, and proxy: the default, with the
# egress proxy, policy.local and inference.local) on both backends, the sandbox init alone,
# bubblewrap and docker, measured in the same run with hyperfine; prints a markdown table of
# medians and ratios.
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
cat >"$OUT/proxy.yaml" <<YAML
apiVersion: nemoclaw.dev/v1
name: bench-proxy
command: ["true"]
network: {mode: proxy, unknown: deny}
YAML
"$ROOT/nemoclaw" --version >/dev/null   # build if needed, outside the timing
INIT="$ROOT/target/native/nemoclaw-init"
# The init alone: the same plan nemoclaw would send (host root binds, default seccomp, Landlock
# required, no cgroup), written once; bench/run-init.c spawns the init the way the supervisor
# does (posix_spawn, the plan on a pipe kept open as the lifeline), so no shell is timed.
binds=(); for d in /usr /bin /sbin /lib /lib64 /etc; do [[ -e $d ]] && binds+=(--root-bind "$d"); done
python3 "$ROOT/tests/native/plan.py" --emit "${binds[@]}" \
  --seccomp "$ROOT/profiles/seccomp/default.json" -- true >"$OUT/plan.bin"
python3 "$ROOT/tests/native/plan.py" --emit "${binds[@]}" -- true >"$OUT/plan-noseccomp.bin"
cc -O2 -o "$OUT/run-init" "$ROOT/bench/run-init.c"

cmds=(
  "nemoclaw run" "$ROOT/nemoclaw run $OUT/true.yaml"
  "nemoclaw run, network proxy" "$ROOT/nemoclaw run $OUT/proxy.yaml"
  "nemoclaw --version" "$ROOT/nemoclaw --version"
  "nemoclaw-init alone" "$OUT/run-init $INIT $OUT/plan.bin"
  "nemoclaw-init, no seccomp" "$OUT/run-init $INIT $OUT/plan-noseccomp.bin"
  "bwrap --unshare-all" "bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp true"
)
# docker: a local image made from this host's /usr/bin/true and its libraries (nothing pulled)
if docker info >/dev/null 2>&1; then
  if ! docker image inspect nemoclaw-bench-true >/dev/null 2>&1; then
    mkdir -p "$OUT/img"
    tar -C / -chf - usr/bin/true $(ldd /usr/bin/true | grep -o '/[^ ]*' | sed 's#^/##') |
      docker import -c 'CMD ["/usr/bin/true"]' - nemoclaw-bench-true >/dev/null
  fi
  cmds+=("docker run" "docker run --rm --read-only --network none nemoclaw-bench-true /usr/bin/true"
    "nemoclaw run --backend docker" "$ROOT/nemoclaw run --backend docker $OUT/true.yaml"
    "nemoclaw run --backend docker, network proxy" "$ROOT/nemoclaw run --backend docker $OUT/proxy.yaml")
else
  echo "no Docker engine: the docker row is left out" >&2
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
