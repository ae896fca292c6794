#!/usr/bin/env bash
# Builds the plan-parser fuzzer (clang, libFuzzer + ASan + UBSan) and runs it for SECONDS
# (default 30) from the seed corpus in tests/fuzz/plan; new inputs it finds go to a scratch
# corpus, crashes to OUT (default target/fuzz). scripts/test runs it bounded; bench/fuzz.sh longer.
#   native/landlock-helper/fuzz/run.sh [SECONDS] [OUT]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
SECONDS_TO_RUN=${1:-30}
OUT=${2:-$REPO/target/fuzz}
command -v clang >/dev/null || { echo "fuzz: needs clang (apt-get install clang)" >&2; exit 1; }
mkdir -p "$OUT/corpus"
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -o "$OUT/plan_fuzz" \
  "$HERE/plan_fuzz.c" "$HERE/../plan.c" "$HERE/../status.c" "$HERE/../fdpass.c"
# -timeout: one input may take at most 2 s (a hang is a finding); artifacts name the crash
"$OUT/plan_fuzz" -max_total_time="$SECONDS_TO_RUN" -timeout=2 -rss_limit_mb=1024 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/" \
  "$OUT/corpus" "$REPO/tests/fuzz/plan" 2>&1 | tail -n 12
