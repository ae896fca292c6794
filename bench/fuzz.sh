#!/usr/bin/env bash
# A longer fuzzing pass of the sandbox init's plan parser than scripts/test's 30 s.
#   bench/fuzz.sh [SECONDS]   (default 600; crashes land in target/fuzz/ with the input)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec "$ROOT/native/landlock-helper/fuzz/run.sh" "${1:-600}" "$ROOT/target/fuzz"
