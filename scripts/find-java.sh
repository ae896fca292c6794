# Sourced by ./nemoclaw and scripts/test: find_java prints the home of a JDK >= 25 from JAVA_HOME,
# /usr/lib/jvm or PATH, or fails. The JDK's `release` file gives its version without starting it
# (this runs on every launch).
java_major() {
  local home; home=$(dirname "$(dirname "$(readlink -f "$1")")")
  if [[ -f $home/release ]]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release"
  else
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
  fi
}

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
