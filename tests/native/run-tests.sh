#!/bin/bash
# C-level tests of nemoclaw-init: runs the init directly through plan.py (fd 3 plan +
# lifeline, fd 4 status). Usage: tests/native/run-tests.sh [root|rootless|both] (default both;
# "rootless" re-runs this script as nobody through setpriv). Needs the init built:
#   make -C native/landlock-helper OUT=/tmp/nc-build
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
INIT=${NEMOCLAW_INIT:-/tmp/nc-build/nemoclaw-init}
PY=/usr/bin/python3
MODE=${1:-both}

if [ "$MODE" = both ]; then
	[ "$(id -u)" = 0 ] || { echo "both modes need root (rootless runs via setpriv)"; exit 2; }
	"$0" root; r1=$?
	# nobody must be able to read the tests, the profiles and the init: use a copy.
	copy=$(mktemp -d /tmp/nc-native-tests.XXXXXX)
	mkdir -p "$copy/tests/native" "$copy/profiles"
	cp "$HERE"/plan.py "$HERE"/run-tests.sh "$copy/tests/native/"
	cp -r "$REPO/profiles/seccomp" "$copy/profiles/"
	cp "$INIT" "$copy/nemoclaw-init"
	chmod -R a+rX "$copy"
	NEMOCLAW_INIT="$copy/nemoclaw-init" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/tmp NEMOCLAW_INIT="$copy/nemoclaw-init" "$copy/tests/native/run-tests.sh" rootless
	r2=$?
	rm -rf "$copy"
	echo "root: $([ $r1 = 0 ] && echo PASS || echo FAIL)  rootless: $([ $r2 = 0 ] && echo PASS || echo FAIL)"
	[ $r1 = 0 ] && [ $r2 = 0 ]
	exit
fi

PROFILE="$REPO/profiles/seccomp/default.json"
STRICT="$REPO/profiles/seccomp/strict.json"
WORK=$(mktemp -d /tmp/nc-t.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Mount sources must be reachable by HOST_UID: the sandbox init opens them as the sandbox uid.
chmod 755 "$WORK"
HOST_UID=$(id -u); [ "$HOST_UID" = 0 ] && HOST_UID=1000
pass=0; fail=0

# run NAME -- plan.py args... ; sets $out (agent stdout+stderr), $st (status lines), $rc
run() {
	local name=$1; shift
	out=$("$PY" "$HERE/plan.py" --init "$INIT" --status-file "$WORK/status" "$@" 2>&1)
	rc=$?
	st=$(cat "$WORK/status" 2>/dev/null)
	cur=$name
}
ok() { pass=$((pass+1)); echo "ok   $cur: $1"; }
bad() { fail=$((fail+1)); echo "FAIL $cur: $1"; echo "  rc=$rc"; echo "$st" | sed 's/^/  status: /'; echo "$out" | head -20 | sed 's/^/  out: /'; }
expect_rc() { [ "$rc" = "$1" ] && ok "rc $1" || bad "rc $rc, want $1"; }
expect_out() { grep -qE -- "$1" <<<"$out" && ok "out ~ $1" || bad "out lacks /$1/"; }
expect_no_out() { grep -qE -- "$1" <<<"$out" && bad "out has /$1/" || ok "out !~ $1"; }
expect_st() { grep -qE -- "$1" <<<"$st" && ok "status ~ $1" || bad "status lacks /$1/"; }

S=(--seccomp "$PROFILE")
echo "# nemoclaw-init native tests ($MODE, uid $(id -u), init $INIT)"

run hello "${S[@]}" -- id -u
expect_rc 0; expect_out '^1000$'; expect_st '^pid [0-9]+$'; expect_st '^landlock 7$'; expect_st '^seccomp [1-9][0-9]*$'
expect_st '^started$'; expect_st '^exit 0$'
[ "$(tail -1 <<<"$st")" = "exit 0" ] && ok "exit line last" || bad "exit line not last"

run privileges "${S[@]}" -- sh -c 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; echo abi=$NEMOCLAW_LANDLOCK_ABI; hostname; ulimit -c'
expect_rc 0
for c in CapInh CapPrm CapEff CapBnd CapAmb; do expect_out "^$c:\s+0000000000000000$"; done
expect_out '^NoNewPrivs:\s+1$'; expect_out '^Seccomp:\s+2$'; expect_out '^abi=7$'; expect_out '^nemoclaw$'; expect_out '^0$'

# /sys is not mounted; /proc/net/dev is the netns view.
run network "${S[@]}" -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ip -o link | cut -d: -f2; test -e /sys/class/net && echo has-sys; true'
expect_rc 0; expect_out '^lo$'; expect_no_out '^(eth|ens|enp|veth|docker|br)'; expect_no_out 'has-sys'
[ "$(grep -c . <<<"$out")" = 2 ] && ok "only lo" || bad "more than lo"

run readonly-root "${S[@]}" -- sh -c 'for f in /usr/x /x /etc/x /bin/x /var/x /run/x /dev/x; do touch $f 2>/dev/null && echo WROTE $f; done; touch /tmp/ok && echo tmp-ok; touch /dev/shm/ok && echo shm-ok; echo hi > /dev/null && echo null-ok'
expect_rc 0; expect_no_out WROTE; expect_out tmp-ok; expect_out shm-ok; expect_out null-ok

run hidden "${S[@]}" -- sh -c 'ls -d /root /home /mnt /srv /opt /boot 2>/dev/null; ls /proc | grep -c "^[0-9]"'
expect_rc 0; expect_no_out '^/(root|home|mnt|srv|boot|opt)$'
[ "$(tail -1 <<<"$out")" -le 4 ] && ok "/proc shows the sandbox's pids only" || bad "/proc shows host pids"

mkdir -p "$WORK/rw" "$WORK/ro"; echo data > "$WORK/ro/file"; chown "$HOST_UID" "$WORK/rw"
run mounts "${S[@]}" --mount "$WORK/rw:/work:rw" --mount "$WORK/ro:/data" --mount "$WORK/ro/file:/opt/file" --workdir /work -- \
	sh -c 'pwd; echo hello > /work/new && echo rw-ok; mkdir /work/d && echo mkdir-ok; touch /data/x 2>/dev/null && echo RO-WROTE; cat /data/file; cat /opt/file; { echo x >> /opt/file; } 2>/dev/null && echo FILE-WROTE; true'
expect_rc 0; expect_out '^/work$'; expect_out rw-ok; expect_out mkdir-ok; expect_no_out RO-WROTE; expect_no_out FILE-WROTE; expect_out '^data$'
[ "$(cat "$WORK/rw/new" 2>/dev/null)" = hello ] && ok "write reached the host dir" || bad "write did not reach the host"

ln -s "$WORK/ro" "$WORK/link"
run symlink-source "${S[@]}" --mount "$WORK/link:/data" -- true
expect_rc 125; expect_st '^fail mount .*symlink'

run nested-mountpoint "${S[@]}" --mount "$WORK/rw:/work:rw" --mount "$WORK/ro:/work/sub" -- true
expect_rc 125; expect_st '^fail mkdir /work/sub'
[ ! -e "$WORK/rw/sub" ] && ok "no mountpoint created in the host dir" || bad "created $WORK/rw/sub on the host"

run escapes "${S[@]}" -- sh -c 'unshare -U true 2>/dev/null && echo UNSHARE; unshare -n true 2>/dev/null && echo UNSHARE-N; mount -t tmpfs x /tmp 2>/dev/null && echo MOUNTED; chroot / true 2>/dev/null && echo CHROOT; echo done'
expect_rc 0; expect_no_out '^(UNSHARE|UNSHARE-N|MOUNTED|CHROOT)$'; expect_out done

cat > "$WORK/probe.py" <<'PYEOF'
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
sc = libc.syscall
sc.restype = ctypes.c_long
def call(*a):
    r = sc(*[ctypes.c_long(x) for x in a])
    return r, ctypes.get_errno()
what = sys.argv[1]
if what == "ptrace":
    pid = os.fork()
    if pid == 0:
        import time; time.sleep(5); os._exit(0)
    r, e = call(101, 16, pid, 0, 0)          # PTRACE_ATTACH
    print("attach", r, errno.errorcode.get(e, e))
    r, e = call(101, 0, 0, 0, 0)             # PTRACE_TRACEME
    print("traceme", r, errno.errorcode.get(e, e))
    os.kill(pid, 9)
elif what == "tiocsti":
    fd = os.open("/dev/null", os.O_RDONLY)
    c = ctypes.c_char(b"x")
    for cmd in (0x5412, 0x1_0000_5412, 0x541C, 0x5401):
        r = libc.ioctl(fd, ctypes.c_ulong(cmd), ctypes.byref(c))
        print("ioctl %#x" % cmd, r, errno.errorcode.get(ctypes.get_errno()))
elif what == "clone3":
    r, e = call(435, 0, 0)
    print("clone3", r, errno.errorcode.get(e, e))
elif what == "sockets":
    for fam, typ, proto, name in ((socket.AF_INET, socket.SOCK_STREAM, 0, "inet-stream"), (socket.AF_INET6, socket.SOCK_DGRAM, 0, "inet6-dgram"),
                                  (socket.AF_UNIX, socket.SOCK_STREAM, 0, "unix"), (socket.AF_NETLINK, socket.SOCK_RAW, 0, "netlink-route"),
                                  (socket.AF_INET, socket.SOCK_RAW, 1, "inet-raw"), (socket.AF_PACKET, socket.SOCK_RAW, 0, "packet"),
                                  (socket.AF_NETLINK, socket.SOCK_RAW, 9, "netlink-audit"), (socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK, 0, "inet-nonblock")):
        try:
            socket.socket(fam, typ, proto).close(); print(name, "allowed")
        except OSError as ex:
            print(name, "denied", errno.errorcode.get(ex.errno))
elif what == "x32":
    call(0x40000000 | 39)                     # x32 getpid: bad arch, killed
    print("x32 survived")
elif what == "net":
    for port in (int(sys.argv[2]), 8080):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port)); print("connect", port, "ok")
        except OSError as ex:
            print("connect", port, errno.errorcode.get(ex.errno))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 9999)); print("bind ok")
    except OSError as ex:
        print("bind", errno.errorcode.get(ex.errno))
elif what == "bridge-shared":
    s = socket.socket()
    pid = os.fork()                          # parent and child share the socket, then it connects
    if pid == 0:
        import time; time.sleep(2); os._exit(0)
    s.connect(("127.0.0.1", int(sys.argv[2])))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    print("shared", s.recv(4096).decode().split("\r\n\r\n", 1)[1].strip())
    os.kill(pid, 9)
elif what == "bridge-burst":
    conns = []                               # all connected before the supervisor reads any
    for i in range(int(sys.argv[3])):
        c = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        conns.append(c)
    ok = 0
    for c in conns:
        try:
            ok += c.recv(4096).startswith(b"HTTP/1.0 200")
        except OSError:
            pass
    print("burst answered", ok)
elif what == "landlock":
    for p in ("/var/x", "/run/x"):
        try:
            open(p, "w"); print("wrote", p)
        except OSError as ex:
            print(p, errno.errorcode.get(ex.errno))
PYEOF
chmod a+r "$WORK/probe.py"; chmod a+rx "$WORK"
P=(--mount "$WORK/probe.py:/probe.py")

run ptrace "${S[@]}" "${P[@]}" -- python3 /probe.py ptrace
expect_rc 0; expect_out '^attach -1 EPERM$'; expect_out '^traceme -1 EPERM$'

run tiocsti "${S[@]}" "${P[@]}" -- python3 /probe.py tiocsti
expect_rc 0; expect_out '^ioctl 0x5412 -1 EIO$'; expect_out '^ioctl 0x100005412 -1 EIO$'; expect_out '^ioctl 0x541c -1 EIO$'; expect_out '^ioctl 0x5401 -1 ENOTTY$'

run clone3 "${S[@]}" "${P[@]}" -- python3 /probe.py clone3
expect_rc 0; expect_out '^clone3 -1 ENOSYS$'

run sockets "${S[@]}" "${P[@]}" -- python3 /probe.py sockets
expect_rc 0
for a in inet-stream inet6-dgram unix netlink-route inet-nonblock; do expect_out "^$a allowed$"; done
for d in inet-raw packet netlink-audit; do expect_out "^$d denied EPERM$"; done

run strict-sockets --seccomp "$STRICT" "${P[@]}" -- python3 /probe.py sockets
expect_rc 0; expect_out '^netlink-route denied EPERM$'; expect_out '^inet-stream allowed$'

run x32 "${S[@]}" "${P[@]}" -- python3 /probe.py x32
expect_rc 159; expect_st '^signal 31$'; expect_no_out survived

run landlock-fs "${P[@]}" -- python3 /probe.py landlock
expect_rc 0; expect_out '^/var/x EACCES$'; expect_out '^/run/x EACCES$'

run landlock-net "${S[@]}" "${P[@]}" --net 1 --proxy-port 3128 -- python3 /probe.py net 3128
expect_rc 0; expect_st '^bridge 127.0.0.1:3128$'; expect_out '^connect 3128 ok$'; expect_out '^connect 8080 EACCES$'; expect_out '^bind EACCES$'

# The bridge hands each connection to the supervisor (plan.py stands in) with the pid and the
# executable, as seen inside, of the process that opened it; a socket shared by two processes
# (fork after connect) is "unknown". No bridge without NET_MODE proxy.
run bridge "${S[@]}" "${P[@]}" --net 1 --proxy-port 3128 -- sh -c 'curl -s --max-time 5 --noproxy "*" http://127.0.0.1:3128/x; python3 /probe.py bridge-shared 3128; echo me=$$'
expect_rc 0; expect_out '^pid=[0-9]+ exe=/usr/bin/curl$'; expect_out '^shared pid=0 exe=unknown$'
grep -qE '^pid=(1|2) ' <<<"$out" && bad "PID 1 or the shell named as the client" || ok "client is curl's own pid"
run bridge-none "${S[@]}" "${P[@]}" --net 0 -- python3 /probe.py net 3128
expect_rc 0; expect_no_out '^connect 3128 ok$'; grep -q '^bridge' <<<"$st" && bad "bridge without proxy mode" || ok "no bridge in mode none"
run bridge-many "${S[@]}" "${P[@]}" --net 1 --proxy-port 3128 -- sh -c 'for i in $(seq 40); do curl -s --max-time 5 --noproxy "*" http://127.0.0.1:3128/ & done; wait' 
expect_rc 0; [ "$(grep -c '^pid=[0-9]* exe=/usr/bin/curl$' <<<"$out")" = 40 ] && ok "40 concurrent connections bridged" || bad "not all 40 bridged"
# A supervisor busy for a second while 1000 connections arrive: the bridge holds them back
# (they wait in the listen queue) instead of closing what its socketpair cannot take yet.
run bridge-backpressure "${S[@]}" "${P[@]}" --net 1 --proxy-port 3128 --proxy-delay 1 -- python3 /probe.py bridge-burst 3128 1000
expect_rc 0; expect_out '^burst answered 1000$'

# With a terminal the agent gets its own pty (from the sandbox's devpts), sized like the
# operator's, with input relayed and resizes forwarded; without one it has no terminal.
run pty "${S[@]}" --pty 30x100 --pty-input 'hello\r' --pty-resize 40x120 -- sh -c 'tty; stty size; read line; echo "got=$line"; trap "stty size; exit 3" WINCH; sleep 5 & wait'
expect_rc 3; expect_out '^/dev/pts/0'; expect_out '^30 100'; expect_out '^got=hello'; expect_out '^40 120'
run no-pty "${S[@]}" -- sh -c 'tty; true'
expect_rc 0; expect_out '^not a tty$'

run landlock-required-abi0 "${S[@]}" -- true
NEMOCLAW_TEST_LANDLOCK_ABI=0 run landlock-required-abi0 "${S[@]}" -- true
expect_rc 125; expect_st '^fail landlock: '; expect_no_out '^$x'
NEMOCLAW_TEST_LANDLOCK_ABI=0 run landlock-best-effort-abi0 "${S[@]}" --landlock 1 -- sh -c 'echo abi=$NEMOCLAW_LANDLOCK_ABI'
expect_rc 0; expect_st '^landlock 0$'; expect_out '^abi=0$'
NEMOCLAW_TEST_LANDLOCK_ABI=3 run landlock-abi3 "${S[@]}" -- sh -c 'echo abi=$NEMOCLAW_LANDLOCK_ABI; touch /var/x 2>/dev/null || echo denied'
expect_rc 0; expect_st '^landlock 3$'; expect_out '^abi=3$'; expect_out '^denied$'
run landlock-off "${S[@]}" --landlock 0 -- sh -c 'echo abi=$NEMOCLAW_LANDLOCK_ABI'
expect_rc 0; expect_st '^landlock 0$'

for c in magic truncate unknown-tag relative repeat nul oversize; do
	run "bad-plan-$c" --corrupt $c -- true
	expect_rc 125; expect_st '^fail plan: '; expect_no_out '^pid'
done

run exec-not-found "${S[@]}" -- no-such-command-here
expect_rc 127; expect_st '^exec 2: '; expect_st '^exit 127$'
echo data > "$WORK/noexec"; chmod 644 "$WORK/noexec"
run exec-not-executable "${S[@]}" --mount "$WORK/noexec:/noexec" -- /noexec
expect_rc 126; expect_st '^exec 13: '
run exec-directory "${S[@]}" -- /usr
expect_rc 126; expect_st '^exec 13: '
run exit-code "${S[@]}" -- sh -c 'exit 42'
expect_rc 42; expect_st '^exit 42$'
run signal "${S[@]}" -- sh -c 'kill -9 $$'
expect_rc 137; expect_st '^signal 9$'

run rlimit "${S[@]}" --rlimit 7:64:64 -- sh -c 'ulimit -n; ulimit -Hn'
expect_rc 0; expect_out '^64$'

run runtimes "${S[@]}" -- sh -c 'node -e "console.log(6*7)"; java -version 2>&1 | head -1; git --version; curl --version | head -1; python3 -c "import ssl, threading, multiprocessing, subprocess; print(subprocess.run([\"true\"]).returncode)"'
expect_rc 0; expect_out '^42$'; expect_out 'version "'; expect_out '^git version'; expect_out '^curl '; expect_out '^0$'

cp -a /etc/hostname "$WORK/rootcheck" 2>/dev/null
run root-dir "${S[@]}" --root-dir / --tmpfs /tmp -- sh -c 'cat /etc/hostname >/dev/null && echo read-ok; touch /etc/x 2>/dev/null && echo WROTE; touch /tmp/y && echo tmp-ok'
expect_rc 0; expect_out read-ok; expect_no_out WROTE; expect_out tmp-ok

# An orphan left behind by the agent dies with it.
M="nc-orphan-$$-$RANDOM"
run orphans "${S[@]}" -- sh -c "sh -c 'sleep 300; : $M' & echo spawned"
expect_rc 0; sleep 0.3
pgrep -f "$M" >/dev/null && bad "orphan $M survived" || ok "no orphan left"

# Signals to the outer init reach the agent.
"$PY" "$HERE/plan.py" --init "$INIT" --status-file "$WORK/sig.status" "${S[@]}" -- sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' > "$WORK/sig.out" 2>&1 &
bg=$!
for _ in $(seq 50); do grep -q ready "$WORK/sig.out" 2>/dev/null && break; sleep 0.1; done
outer=$(pgrep -P $bg -f nemoclaw-init)
kill -TERM "$outer"; wait $bg; rc=$?; out=$(cat "$WORK/sig.out"); st=$(cat "$WORK/sig.status"); cur=signal-forward
expect_rc 7; expect_out got-term; expect_st '^exit 7$'

# kill -9 of the plan writer (the supervisor): the lifeline hangs up, the sandbox dies.
for victim in writer outer; do
	M="nc-lifeline-$victim-$$-$RANDOM"
	"$PY" "$HERE/plan.py" --init "$INIT" --status-file "$WORK/life.status" "${S[@]}" -- sh -c "sh -c 'sleep 300; : $M' & sleep 300; : $M-agent" > /dev/null 2>&1 &
	bg=$!
	for _ in $(seq 50); do grep -q started "$WORK/life.status" 2>/dev/null && break; sleep 0.1; done
	sleep 0.2
	outer=$(pgrep -P $bg -f nemoclaw-init)
	cur=lifeline-$victim; rc=; st=$(cat "$WORK/life.status"); out=
	[ "$(pgrep -f -- "sleep 300; : $M" | wc -l)" -ge 1 ] && ok "sandbox running" || bad "sandbox did not start"
	if [ $victim = writer ]; then kill -9 $bg; else kill -9 "$outer"; fi
	wait $bg 2>/dev/null
	for _ in $(seq 30); do pgrep -f "$M" >/dev/null || break; sleep 0.1; done
	pgrep -f "$M" >/dev/null && bad "processes survived the $victim" || ok "nothing left after kill -9 of the $victim"
	# a zombie (waiting for a reaper that is not us) counts as gone
	grep -qs '^State:.*[RSD]' /proc/$outer/status && bad "outer init survived" || ok "outer init gone"
done

if [ "$(id -u)" = 0 ]; then
	CG=/sys/fs/cgroup/pids/nc-native-test-$$
	mkdir -p $CG
	run cgroup "${S[@]}" --cgroup-procs $CG/cgroup.procs -- sh -c 'grep pids /proc/self/cgroup'
	expect_rc 0; expect_out ':pids:/$'
	rmdir $CG 2>/dev/null
	# container mode (backend docker's entrypoint), with unshare + setpriv as the engine
	while read -r line; do
		case $line in ok*) pass=$((pass+1));; *) fail=$((fail+1));; esac
		echo "$line"
	done < <("$PY" "$HERE/container.py" "$INIT" "$PROFILE" 2>&1)
fi

echo "# $MODE: $pass passed, $fail failed"
[ $fail = 0 ]
