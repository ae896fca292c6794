#!/usr/bin/env bash
# JMH benchmark of the audit log: durable append throughput with group commit (1 and 4 producers;
# ns per event including fsync and the signed head) and verification of a 1 000 000-record log
# (ms per full verify). Needs ~1 GB free in java.io.tmpdir.
# Usage: bench/audit.sh [JMH options]   (e.g. -p records=100000, or a benchmark regex: append)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jmh_build audit
args=("$@")
(( ${#args[@]} )) || args=(AuditBench)
exec "$JAVA_HOME/bin/java" -cp "bench/audit/target/benchmarks.jar:target/nemoclaw.jar:target/lib/*" \
  org.openjdk.jmh.Main "${args[@]}"
