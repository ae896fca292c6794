#!/usr/bin/env bash
# Longer fuzzing passes than scripts/test's: the sandbox init's plan parser (libFuzzer) and the
# agent.yaml loader, the control protocol and the egress proxy (Jazzer), SECONDS each.
#   bench/fuzz.sh [SECONDS]   (default 600; native crashes land in target/fuzz/ with the input,
#   Jazzer's in src/test/resources/…Inputs/ as a new regression input)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/native/landlock-helper/fuzz/run.sh" "${1:-600}" "$ROOT/target/fuzz"
mkdir -p "$ROOT/target/jazzer-tmp"
cd "$ROOT"
for fuzz in SpecFuzzTest ControlFuzzTest ProxyFuzzTest; do
  JAZZER_FUZZ=1 ./mvnw -B -ntp test -Dtest="$fuzz" -Djazzer.max_duration="${1:-600}s" \
    -DargLine="-Djava.io.tmpdir=$ROOT/target/jazzer-tmp"
done
