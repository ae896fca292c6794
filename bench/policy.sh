#!/usr/bin/env bash
# JMH benchmark of the egress policy: CompiledPolicy.decide with 10 000 rules (exact, *.suffix,
# CIDR, L7) for exact/suffix/CIDR/L7 hits, misses and deny hits; prints ns/op.
# Usage: bench/policy.sh [JMH options]   (default: -wi 2 -i 3 -f 1; e.g. -p rules=1000,10000)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jmh_build policy
args=("$@")
(( ${#args[@]} )) || args=(-wi 2 -i 3 -f 1)
exec "$JAVA_HOME/bin/java" -cp "bench/policy/target/benchmarks.jar:target/nemoclaw.jar" \
  org.openjdk.jmh.Main PolicyBench -tu ns -bm avgt "${args[@]}"
