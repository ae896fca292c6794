#!/usr/bin/env bash
# JMH benchmark of the audit log: durable append throughput with group commit (1 and 4 producers;
# ns per event including fsync and the signed head) and verification of a 1 000 000-record log
# (ms per full verify). Needs ~1 GB free in java.io.tmpdir.
# Usage: bench/audit.sh [JMH options]   (e.g. -p records=100000, or a benchmark regex: append)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_HOME=$(find_java) || { echo "needs a JDK >= 25 (JAVA_HOME or /usr/lib/jvm)" >&2; exit 1; }
export JAVA_HOME
cd "$ROOT"
./mvnw -B -ntp -q package -DskipTests
./mvnw -B -ntp -q -f bench/audit/pom.xml package
args=("$@")
(( ${#args[@]} )) || args=(AuditBench)
exec "$JAVA_HOME/bin/java" -cp "bench/audit/target/benchmarks.jar:target/nemoclaw.jar:target/lib/*" \
  org.openjdk.jmh.Main "${args[@]}"
