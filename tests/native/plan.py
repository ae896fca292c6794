#!/usr/bin/env python3
"""Encode a nemoclaw-init plan (native/landlock-helper/PLAN.md, version 1) and run the init
with fd 3 = plan + lifeline and fd 4 = status, the way the supervisor does.

  plan.py [options] -- COMMAND [ARG...]

Status lines go to stderr as "status: LINE" (or to --status-file). The exit status is the
init's. --emit writes the plan bytes to stdout instead of running anything."""
import argparse, array, fcntl, json, os, select, signal, socket, struct, subprocess, sys, termios, threading, time

T = dict(NAME=1, HOSTNAME=2, ARGV=3, ENV=4, WORKDIR=5, UID=6, GID=7, HOST_UID=8, HOST_GID=9,
         ROOT_HOST_BIND=10, ROOT_DIR=11, MOUNT=12, TMPFS=13, LANDLOCK=20, SECCOMP_DEFAULT=21,
         SECCOMP_ARCH=22, SECCOMP_RULE=23, NET_MODE=30, PROXY_PORT=31, PROXY_FD=32,
         CGROUP_PROCS=40, RLIMIT=41, PTY=50, END=65535)
ACTIONS = {"SCMP_ACT_ALLOW": 0, "SCMP_ACT_ERRNO": 1, "SCMP_ACT_KILL_PROCESS": 2, "SCMP_ACT_TRAP": 3,
           "SCMP_ACT_LOG": 4, "SCMP_ACT_KILL_THREAD": 5, "SCMP_ACT_KILL": 5}
OPS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5,
       "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}
ARCHES = {"SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X86": "x86", "SCMP_ARCH_X32": "x32",
          "SCMP_ARCH_AARCH64": "aarch64", "SCMP_ARCH_ARM": "arm"}


def rec(tag, value=b""):
    if isinstance(value, str):
        value = value.encode()
    return struct.pack("<HI", T[tag] if isinstance(tag, str) else tag, len(value)) + value


def seccomp_records(path):
    prof = json.load(open(path))
    out = [rec("SECCOMP_DEFAULT", struct.pack("<II", ACTIONS[prof["defaultAction"]],
                                              prof.get("defaultErrnoRet", 1)))]
    for a in prof.get("architectures", []):
        out.append(rec("SECCOMP_ARCH", ARCHES[a]))
    for s in prof["syscalls"]:
        args = s.get("args") or []
        val = struct.pack("<IIB", ACTIONS[s["action"]], s.get("errnoRet", 1), len(args))
        for a in args:
            val += struct.pack("<BBQQ", a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0))
        for name in s["names"]:
            out.append(rec("SECCOMP_RULE", val + name.encode()))
    return out


def fake_proxy(sock, delay):
    """Stands in for the supervisor: answers every bridged connection with who opened it,
    after `delay` seconds of being too busy to read any."""
    time.sleep(delay)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 8192, 1)
        except OSError:
            return
        if not msg and not fds:
            return
        pid = struct.unpack("<I", msg[:4])[0]
        exe = msg[4:].decode(errors="replace")
        with socket.socket(fileno=fds[0]) as conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                body = f"pid={pid} exe={exe if pid else 'unknown'}\n".encode()
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            except OSError:
                pass


def set_size(fd, size):
    rows, cols = (int(x) for x in size.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


pty_done = threading.Event()


def pty_session(o, master, proc):
    """The operator's side: copy what the sandbox prints, type, resize."""
    start, typed = time.monotonic(), False
    try:
        while True:
            if not typed and time.monotonic() - start > o.pty_delay:
                typed = True
                if o.pty_input:
                    os.write(master, o.pty_input.encode().decode("unicode_escape").encode())
                if o.pty_resize:
                    time.sleep(0.2)
                    set_size(master, o.pty_resize)
                    proc.send_signal(signal.SIGWINCH)
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                data = os.read(master, 65536)
                if not data:
                    break
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
    except OSError:
        pass
    pty_done.set()


def build(o):
    r = [rec("NAME", o.name), rec("HOSTNAME", o.hostname)]
    r += [rec("ARGV", a) for a in o.command]
    env = o.env if o.env is not None else ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"]
    r += [rec("ENV", e) for e in env]
    r += [rec("WORKDIR", o.workdir), rec("UID", struct.pack("<I", o.uid)), rec("GID", struct.pack("<I", o.gid)),
          rec("HOST_UID", struct.pack("<I", o.host_uid)), rec("HOST_GID", struct.pack("<I", o.host_gid))]
    if o.root_dir:
        r.append(rec("ROOT_DIR", o.root_dir))
    else:
        binds = o.root_bind if o.root_bind else ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64"]
        r += [rec("ROOT_HOST_BIND", b) for b in binds if os.path.lexists(b)]
    for m in o.mount:
        parts = m.split(":")
        src, dst, rw = parts[0], parts[1], len(parts) > 2 and parts[2] == "rw"
        r.append(rec("MOUNT", struct.pack("<BI", 1 if rw else 0, len(src.encode())) + src.encode() + dst.encode()))
    tmpfs = o.tmpfs if o.tmpfs is not None else ["/tmp:67108864"]
    for t in tmpfs:
        dst, _, size = t.partition(":")
        r.append(rec("TMPFS", struct.pack("<Q", int(size or 0)) + dst.encode()))
    r.append(rec("LANDLOCK", bytes([o.landlock])))
    if o.seccomp:
        r += seccomp_records(o.seccomp)
    r.append(rec("NET_MODE", bytes([o.net])))
    if o.proxy_port is not None:
        r.append(rec("PROXY_PORT", struct.pack("<H", o.proxy_port)))
    if o.net == 1:
        r.append(rec("PROXY_FD", struct.pack("<I", 5)))
    if o.pty:
        r.append(rec("PTY", b"\x01"))
    for c in o.cgroup_procs:
        r.append(rec("CGROUP_PROCS", c))
    for lim in o.rlimit:
        res, soft, hard = (int(x) for x in lim.split(":"))
        r.append(rec("RLIMIT", struct.pack("<IQQ", res, soft, hard)))
    for x in o.extra_hex:
        r.append(bytes.fromhex(x))
    r.append(rec("END"))
    body = b"".join(r)
    plan = b"NCPLAN01" + struct.pack("<I", len(body)) + body
    if o.corrupt == "magic":
        plan = b"NCPLAN02" + plan[8:]
    elif o.corrupt == "truncate":
        plan = plan[:-10]
    elif o.corrupt == "unknown-tag":
        body = rec(999, b"x") + body
        plan = b"NCPLAN01" + struct.pack("<I", len(body)) + body
    elif o.corrupt == "relative":
        body = rec("MOUNT", struct.pack("<BI", 0, 3) + b"usr/mnt") + body
        plan = b"NCPLAN01" + struct.pack("<I", len(body)) + body
    elif o.corrupt == "repeat":
        body = rec("UID", struct.pack("<I", 5)) + body
        plan = b"NCPLAN01" + struct.pack("<I", len(body)) + body
    elif o.corrupt == "nul":
        body = rec("ENV", b"A=\0B") + body
        plan = b"NCPLAN01" + struct.pack("<I", len(body)) + body
    elif o.corrupt == "oversize":
        plan = b"NCPLAN01" + struct.pack("<I", (1 << 20) + 1) + body
    return plan


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--init", default=os.environ.get("NEMOCLAW_INIT", "/tmp/nc-build/nemoclaw-init"))
    p.add_argument("--name", default="test")
    p.add_argument("--hostname", default="nemoclaw")
    p.add_argument("--workdir", default="/tmp")
    p.add_argument("--uid", type=int, default=1000)
    p.add_argument("--gid", type=int, default=1000)
    p.add_argument("--host-uid", type=int, default=None)
    p.add_argument("--host-gid", type=int, default=None)
    p.add_argument("--root-bind", action="append", default=[])
    p.add_argument("--root-dir")
    p.add_argument("--mount", action="append", default=[], help="SRC:DST[:rw]")
    p.add_argument("--tmpfs", action="append", default=None, help="DST[:SIZE] (default /tmp:64MiB)")
    p.add_argument("--env", action="append", default=None)
    p.add_argument("--landlock", type=int, default=2)
    p.add_argument("--seccomp", help="OCI seccomp JSON profile")
    p.add_argument("--net", type=int, default=0)
    p.add_argument("--proxy-port", type=int)
    p.add_argument("--proxy-delay", type=float, default=0, help="seconds before the fake proxy reads")
    p.add_argument("--cgroup-procs", action="append", default=[])
    p.add_argument("--rlimit", action="append", default=[], help="RES:SOFT:HARD")
    p.add_argument("--extra-hex", action="append", default=[], help="a raw record, hex")
    p.add_argument("--corrupt", choices=["magic", "truncate", "unknown-tag", "relative", "repeat", "nul", "oversize"])
    p.add_argument("--pty", help="ROWSxCOLS: run the init on a pty of that size (the agent gets its own)")
    p.add_argument("--pty-input", help="typed into the pty after --pty-delay seconds")
    p.add_argument("--pty-resize", help="ROWSxCOLS: resize after the input, then SIGWINCH the init")
    p.add_argument("--pty-delay", type=float, default=0.5)
    p.add_argument("--status-file")
    p.add_argument("--emit", action="store_true")
    p.add_argument("command", nargs="+")
    o = p.parse_args()
    if o.host_uid is None:
        o.host_uid = os.geteuid() if os.geteuid() != 0 else 1000
    if o.host_gid is None:
        o.host_gid = os.getegid() if os.geteuid() != 0 else 1000
    plan = build(o)
    if o.emit:
        sys.stdout.buffer.write(plan)
        return 0
    if o.net == 1:
        bridge_ours, bridge_theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        os.dup2(bridge_theirs.fileno(), 5)
        os.set_inheritable(5, True)
        bridge_theirs.close()
        threading.Thread(target=fake_proxy, args=(bridge_ours, o.proxy_delay), daemon=True).start()
    stdio = {}
    if o.pty:
        master, slave = os.openpty()
        set_size(slave, o.pty)
        stdio = dict(stdin=slave, stdout=slave, stderr=slave)
    plan_r, plan_w = os.pipe()
    st_r, st_w = os.pipe()
    os.set_inheritable(plan_r, True)
    os.set_inheritable(st_w, True)

    def child_fds():
        os.dup2(plan_r, 3)
        os.dup2(st_w, 4)

    proc = subprocess.Popen([o.init, "--plan-fd", "3", "--status-fd", "4"], preexec_fn=child_fds,
                            pass_fds=(3, 4, 5) if o.net == 1 else (3, 4), close_fds=True, **stdio)
    if o.net == 1:
        os.close(5)
    if o.pty:
        os.close(slave)
        threading.Thread(target=pty_session, args=(o, master, proc), daemon=True).start()
    os.close(plan_r)
    os.close(st_w)
    os.write(plan_w, plan)  # the plan is far below the pipe buffer in these tests
    # plan_w stays open: it is the lifeline (a truncated plan gets EOF, as from a dead writer)
    if o.corrupt == "truncate":
        os.close(plan_w)
        plan_w = None
    out = open(o.status_file, "w") if o.status_file else sys.stderr
    with os.fdopen(st_r, "r") as st:
        for line in st:
            out.write(line if o.status_file else "status: " + line)
            out.flush()
    rc = proc.wait()
    if o.pty:
        pty_done.wait(5)
    if plan_w is not None:
        os.close(plan_w)
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
