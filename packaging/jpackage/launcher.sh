#!/usr/bin/env bash
# nemoclaw, installed (bin/nemoclaw of the app image; /usr/bin/nemoclaw links here): starts the
# bundled runtime on the bundled jar with the flags ./nemoclaw uses (lib/app/jvm.sh). jpackage's
# native launcher cannot choose JVM flags per command, which `run` needs (see jvm.sh). It starts no
# process but the JVM, and readlink when called through a link or a relative path.
set -euo pipefail
SELF=${BASH_SOURCE[0]}
[[ -L $SELF || $SELF != /* ]] && SELF=$(readlink -f "$SELF")
BASE=${SELF%/bin/*}      # the app image: /opt/nemoclaw once installed
APP=$BASE/lib/app        # the jar, lib/ (jars, the init, JNA), profiles/, presets/, AOT caches
# shellcheck source=packaging/jvm.sh
source "$APP/jvm.sh"
nemoclaw_jvm_flags "$APP" "$APP/lib/jna" "${1:-}"
# The AOT caches were trained at package time on this very layout (build.sh), so they match: one
# on a run for `run`, one on --help for the other commands (a run's cache would make them no
# faster and --version 4x slower); --version, two lines, starts fastest with neither.
case ${1:-} in
  run) cache=$APP/nemoclaw.aot ;;
  -V | --version) cache= ;;
  *) cache=$APP/nemoclaw-cli.aot ;;
esac
if [[ -n $cache && -f $cache ]]; then
  JVM_FLAGS+=(-XX:AOTCache="$cache" -Xlog:aot=off -Xlog:cds=off)
fi
# NEMOCLAW_JVM_DEBUG: extra JVM flags for diagnosis (e.g. -Xlog:class+load), never needed otherwise.
exec "$BASE/lib/runtime/bin/java" "${JVM_FLAGS[@]}" ${NEMOCLAW_JVM_DEBUG:-} -jar "$APP/nemoclaw.jar" "$@"
