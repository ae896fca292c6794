# The prelude of the JMH benchmarks (bench/policy.sh, privacy.sh, audit.sh), sourced by them.
# shellcheck shell=bash source=../scripts/find-java.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/find-java.sh"

# jmh_build NAME: a JDK >= 25 in JAVA_HOME, the repository root as working directory, the main
# jar and the benchmark project bench/NAME built.
jmh_build() {
  JAVA_HOME=$(find_java) || { echo "needs a JDK >= 25 (JAVA_HOME or /usr/lib/jvm)" >&2; exit 1; }
  export JAVA_HOME
  cd "$ROOT"
  ./mvnw -B -ntp -q package -DskipTests
  ./mvnw -B -ntp -q -f "bench/$1/pom.xml" package
}
