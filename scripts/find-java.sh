# Sourced by ./nemoclaw and scripts/test: find_java prints the home of a JDK >= 25 from JAVA_HOME,
# /usr/lib/jvm or PATH, or fails; locate_java sets JAVA_FOUND instead of printing. This runs on
# every launch, so the common case starts no process: the JDK's `release` file gives its version,
# read with bash builtins, and readlink runs only for a `java` that is a symlink.

# The JDK home of the java binary $1 (resolving symlinks such as /usr/bin/java) into JDK_DIR.
jdk_dir() {
  local bin=$1
  [[ -L $bin ]] && bin=$(readlink -f "$bin")
  bin=${bin%/*}        # .../bin
  JDK_DIR=${bin%/*}
}

# The feature version of the JDK at home $1 into JDK_MAJOR (empty if unknown).
jdk_major() {
  local line
  JDK_MAJOR=
  if [[ -f $1/release ]]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then JDK_MAJOR=${BASH_REMATCH[1]}; return; fi
    done <"$1/release"
  else
    JDK_MAJOR=$("$1/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
}

# A java >= 25 at $1 sets JAVA_FOUND to its home.
jdk_ok() {
  [[ -x $1 ]] || return 1
  jdk_dir "$1"
  jdk_major "$JDK_DIR"
  [[ $JDK_MAJOR =~ ^[0-9]+$ ]] && (( JDK_MAJOR >= 25 )) && JAVA_FOUND=$JDK_DIR
}

locate_java() {
  local c
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/*/bin/java; do
    jdk_ok "$c" && return 0
  done
  c=$(type -P java) && jdk_ok "$c"
}

find_java() {
  locate_java && printf '%s\n' "$JAVA_FOUND"
}
