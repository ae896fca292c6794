#!/usr/bin/env bash
# Runs the nemoclaw OpenClaw plugin's tests with Node 24's built-in test runner:
#   test/plugin.test.js    the decisions against a stub policy service (about a second)
#   test/openclaw.test.js  the real OpenClaw loading the plugin and one agent run with a stub
#                          model (about 1-2 minutes; skipped when no OpenClaw runtime is prepared)
#
# Node and OpenClaw come from the runtime examples/openclaw/prepare.sh makes
# (${OPENCLAW_RUNTIME:-examples/openclaw/runtime}). Without it, a node >= 24 on PATH runs the
# unit tests only. NEMOCLAW_REQUIRE_OPENCLAW=1 makes a missing runtime an error instead.
#
# Usage: integrations/openclaw/test.sh [extra node --test arguments, e.g. --test-name-pattern=...]
# PLUGIN_TESTS=test/plugin.test.js runs one file (scripts/test does: OpenClawIT covers the rest).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

RUNTIME=$("$REPO/examples/openclaw/prepare.sh" --print-dir)
if [[ -x $RUNTIME/bin/node && -e $RUNTIME/bin/openclaw ]]; then
  NODE=$RUNTIME/bin/node
  export OPENCLAW_RUNTIME=$RUNTIME
else
  if [[ ${NEMOCLAW_REQUIRE_OPENCLAW:-} == 1 ]]; then
    echo "openclaw plugin tests: no OpenClaw runtime in $RUNTIME; run examples/openclaw/prepare.sh" >&2
    exit 1
  fi
  unset OPENCLAW_RUNTIME
  NODE=$(command -v node || true)
  major=$([[ -n $NODE ]] && "$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if (( major < 24 )); then
    echo "openclaw plugin tests: need Node >= 24: run examples/openclaw/prepare.sh (it installs one) or put node 24 on PATH" >&2
    exit 1
  fi
  echo "openclaw plugin tests: no OpenClaw runtime in $RUNTIME; the OpenClaw end-to-end tests are skipped" >&2
fi

cd "$HERE"
# One test file at a time: the end-to-end one starts OpenClaw, which wants the machine's cores.
exec "$NODE" --test --test-concurrency=1 "$@" "${PLUGIN_TESTS:-test/*.test.js}"
