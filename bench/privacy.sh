#!/usr/bin/env bash
# JMH benchmark of the privacy scanner: Scanner.scan with all built-in detectors over 1 MiB of
# realistic text (prose and JSON, a little PII) and 1 MiB of PII-dense text, checkJson of a 1 MiB
# chat request, and a java.util.regex peer; prints ops/s, and each op is 1 MiB, so MiB/s.
# Usage: bench/privacy.sh [JMH options]   (default: -wi 2 -i 3 -f 1)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/find-java.sh
source "$ROOT/scripts/find-java.sh"
JAVA_HOME=$(find_java) || { echo "needs a JDK >= 25 (JAVA_HOME or /usr/lib/jvm)" >&2; exit 1; }
export JAVA_HOME
cd "$ROOT"
./mvnw -B -ntp -q package -DskipTests
./mvnw -B -ntp -q -f bench/privacy/pom.xml package
args=("$@")
(( ${#args[@]} )) || args=(-wi 2 -i 3 -f 1)
exec "$JAVA_HOME/bin/java" -cp "bench/privacy/target/benchmarks.jar:target/nemoclaw.jar" \
  org.openjdk.jmh.Main PrivacyBench -tu s -bm thrpt "${args[@]}"
