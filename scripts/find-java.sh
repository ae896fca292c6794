# Sourced by ./nemoclaw and scripts/test: find_java prints the home of a JDK >= 25 from JAVA_HOME,
# /usr/lib/jvm or PATH, or fails.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_java() {
  local c v
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -x $c ]] || continue
    v=$(java_major "$c")
    if [[ ${v%%.*} =~ ^[0-9]+$ ]] && (( ${v%%.*} >= 25 )); then
      dirname "$(dirname "$(readlink -f "$c")")"
      return 0
    fi
  done
  return 1
}
