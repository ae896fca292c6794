#!/usr/bin/env bash
# JMH benchmark of the privacy scanner: Scanner.scan with all built-in detectors over 1 MiB of
# realistic text (prose and JSON, a little PII) and 1 MiB of PII-dense text, checkJson of a 1 MiB
# chat request, and a java.util.regex peer; prints ops/s, and each op is 1 MiB, so MiB/s.
# Usage: bench/privacy.sh [JMH options]   (default: -wi 2 -i 3 -f 1)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
jmh_build privacy
args=("$@")
(( ${#args[@]} )) || args=(-wi 2 -i 3 -f 1)
exec "$JAVA_HOME/bin/java" -cp "bench/privacy/target/benchmarks.jar:target/nemoclaw.jar" \
  org.openjdk.jmh.Main PrivacyBench -tu s -bm thrpt "${args[@]}"
