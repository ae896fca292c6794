# Sourced by both launchers, ./nemoclaw (a checkout) and bin/nemoclaw (an installed copy, see
# packaging/jpackage/), and by packaging/jpackage/build.sh: the JVM flags of a command and the
# training of the JDK AOT cache. One copy, so a package's cache is trained exactly as a checkout's,
# with exactly the flags its launcher starts the JVM with. Defines functions only: sourcing it
# starts no process.

# nemoclaw_jvm_flags INSTALL JNA_DIR [COMMAND]: JVM_FLAGS for COMMAND, for the copy whose
# profiles/, presets/ and init are under INSTALL and whose libjnidispatch.so is in JNA_DIR.
#
# Short-lived commands: a small heap and C1 alone start fastest. `run` is different: its JVM is
# the supervisor, a server for the agent's whole life (the proxy, TLS inspection, privacy scans),
# where C2 is worth ~10x the throughput of inspected TLS. Its thresholds are raised 20x so that
# start-up code is left to C1 (C2 as usual costs ~80 ms at start, this ~25) and only what stays
# hot, the relay and TLS loops, reaches C2. Its memory is bounded (docs/reliability.md: ~180 MiB
# peak with 1000 connections open): 256 MiB of heap and 256 MiB of direct buffers, whatever the
# machine's size; a connection that finds the direct buffers spent is closed (Netty's own error),
# and a heap that is spent ends the supervisor, which takes the sandbox with it (fail closed)
# rather than leaving a proxy that half works. No hsperfdata file (only jps/jstat read it).
# JNA loads its native part from where the build unpacked it, instead of extracting it from the
# jar to a temp file on every start, and is given the library path, which it otherwise learns by
# running `ldconfig -p` (we only bind libc, which JNA takes from the process itself).
nemoclaw_jvm_flags() {
  local install=$1 jna=$2 command=${3:-}
  JVM_FLAGS=(-XX:+UseSerialGC -Xss512k -XX:-UsePerfData
    --enable-native-access=ALL-UNNAMED -Dnemoclaw.install="$install"
    -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8)   # messages are UTF-8 in any locale
  if [[ $command == run ]]; then
    JVM_FLAGS+=(-Xmx256m -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError
      -XX:Tier4InvocationThreshold=100000 -XX:Tier4MinInvocationThreshold=50000
      -XX:Tier4CompileThreshold=120000 -XX:Tier4BackEdgeThreshold=1000000)
  else
    JVM_FLAGS+=(-XX:TieredStopAtLevel=1)
  fi
  if [[ -f $jna/libjnidispatch.so ]]; then
    JVM_FLAGS+=(-Djna.boot.library.path="$jna" -Djna.platform.library.path="/usr/lib/$HOSTTYPE-linux-gnu:/lib/$HOSTTYPE-linux-gnu:/usr/lib64:/lib64:/usr/lib:/lib")
  fi
}

# nemoclaw_train_aot JAVA JAR INSTALL JNA_DIR OUT: a JDK AOT cache (JEP 483/514/515) at OUT of the
# classes a run loads, trained on a real run (`run` of a spec, native backend, default seccomp
# profile, network mode proxy: the path a user's run takes, with the egress proxy, policy.local
# and inference.local): it roughly halves the start of a run. Every class in it is loaded at each
# start, so it should hold what a run needs and no more: the run is made twice in a scratch
# NEMOCLAW_HOME and only the second is recorded, which takes its seccomp filter from the cache
# like every later run (parsing a profile, with Jackson, is then left out: ~0.2 s more for the
# first run after a profile changes, 10-20 ms of CPU less for every other). Trained with the
# flags of the short commands (C1): a cache trained under C2 carries profiles that make C2 busy at
# start. A failed training run (a host without user namespaces) only means a smaller cache; a
# stale or missing cache only means a slower start. The cache names the jars by their path
# relative to it and checks their size and mtime: a copy moved elsewhere whole keeps its cache.
nemoclaw_train_aot() {
  local java=$1 jar=$2 install=$3 jna=$4 out=$5 home run
  rm -f "$out"
  nemoclaw_jvm_flags "$install" "$jna"
  home=$(mktemp -d)
  printf '%s\n' 'apiVersion: nemoclaw.dev/v1' 'name: aot-training' 'command: [true]' \
    'network: {mode: proxy, unknown: deny}' > "$home/agent.yaml"
  run=(-jar "$jar" run "$home/agent.yaml")
  NEMOCLAW_HOME=$home "$java" "${JVM_FLAGS[@]}" "${run[@]}" >/dev/null 2>&1 || true
  NEMOCLAW_HOME=$home "$java" "${JVM_FLAGS[@]}" -XX:AOTCacheOutput="$out" \
    -Xlog:aot=off -Xlog:cds=off "${run[@]}" >/dev/null 2>&1 || true
  rm -rf "$home"
}

# nemoclaw_train_aot_cli JAVA JAR INSTALL JNA_DIR OUT: a second, smaller cache for the commands
# other than `run`, trained on `--help`, which builds every command's model (picocli, the command
# classes). The run cache makes them no faster, and loading its ~4 400 classes makes --version
# 4x slower; this one halves --help and ps and costs --version a few ms (docs/benchmarks.md).
nemoclaw_train_aot_cli() {
  local java=$1 jar=$2 install=$3 jna=$4 out=$5 home
  rm -f "$out"
  nemoclaw_jvm_flags "$install" "$jna"
  home=$(mktemp -d)
  NEMOCLAW_HOME=$home "$java" "${JVM_FLAGS[@]}" -XX:AOTCacheOutput="$out" \
    -Xlog:aot=off -Xlog:cds=off -jar "$jar" --help >/dev/null 2>&1 || true
  rm -rf "$home"
}
