#!/usr/bin/env python3
"""C-level tests of `nemoclaw-init --container SOCKET` without an engine (root only): the init is
made PID 1 of a new pid namespace by unshare and given the identity an engine gives (uid 1000,
empty bounding set, no_new_privs) by setpriv; this script plays the supervisor on the socket.
Each case prints "ok NAME" or "FAIL NAME: why"; the exit status is the number of failures.

  container.py INIT PROFILE"""
import os, socket, struct, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan as P  # noqa: E402

INIT, PROFILE = sys.argv[1], sys.argv[2]
ENGINE = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--bounding-set=-all",
          "--inh-caps=-all", "--no-new-privs"]


def container_plan(argv, extra=(), container=True, net=0):
    r = [P.rec("NAME", "c"), P.rec("HOSTNAME", "c"), P.rec("WORKDIR", "/"),
         P.rec("UID", struct.pack("<I", 1000)), P.rec("GID", struct.pack("<I", 1000)),
         P.rec("HOST_UID", struct.pack("<I", 1000)), P.rec("HOST_GID", struct.pack("<I", 1000)),
         P.rec("ENV", "PATH=/usr/bin:/bin"), P.rec("LANDLOCK", b"\x02"),
         P.rec("NET_MODE", bytes([net]))]
    if net:
        r.append(P.rec("PROXY_PORT", struct.pack("<H", 3128)))
    if container:
        r.append(P.rec(60, b"\x01"))
    r += P.seccomp_records(PROFILE) + [P.rec("ARGV", a) for a in argv] + list(extra)
    body = b"".join(r) + P.rec("END")
    return b"NCPLAN01" + struct.pack("<I", len(body)) + body


def run(plan, wrap=("unshare", "--pid", "--fork", "--kill-child"), engine=ENGINE,
        close_after=None):
    """Starts the init the way an engine would, serves `plan`; returns (status lines, rc, out)."""
    d = tempfile.mkdtemp(prefix="nc-ct.")
    os.chmod(d, 0o755)
    path = os.path.join(d, "init.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o666)
    srv.listen(1)
    srv.settimeout(10)
    p = subprocess.Popen(list(wrap) + list(engine) + [INIT, "--container", path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines, fds = [], []
    try:
        conn, _ = srv.accept()
        conn.sendall(plan)
        conn.settimeout(0.1)
        start, buf = time.monotonic(), b""
        while True:
            if close_after and b"started" in buf and time.monotonic() - start > close_after:
                conn.close()  # the supervisor dies: the lifeline
                break
            if time.monotonic() - start > 15:
                break
            try:
                msg, got, _, _ = socket.recv_fds(conn, 4096, 4)
            except socket.timeout:
                continue
            fds += got
            if not msg:
                break
            buf += msg
        lines = buf.decode(errors="replace").splitlines()
    except OSError as e:
        lines = ["(supervisor: %s)" % e]
    rc = p.wait(timeout=20)
    out = p.stdout.read().decode(errors="replace")
    for fd in fds:
        os.close(fd)
    return lines, rc, out, len(fds)


failures = 0


def check(name, cond, why):
    global failures
    if cond:
        print("ok   container %s" % name)
    else:
        failures += 1
        print("FAIL container %s: %s" % (name, why))


st, rc, out, _ = run(container_plan(["sh", "-c", "id -u; grep NoNewPrivs /proc/self/status"]))
check("runs the agent", rc == 0 and "exit 0" in st and "1000" in out and "landlock 7" in st
      and any(l.startswith("seccomp ") and l != "seccomp 0" for l in st), (rc, st, out))

st, rc, out, nfds = run(container_plan(["true"], net=1), wrap=("unshare", "--pid", "--net", "--fork",
                                                               "--kill-child", "sh", "-c",
                                                               "ip link set lo up && exec \"$@\"", "-"))
check("hands the bridge socket over with its status line",
      rc == 0 and nfds == 1 and st.count("bridge 127.0.0.1:3128") == 1, (rc, st, out, nfds))

st, rc, out, _ = run(container_plan(["true"]), wrap=())
check("refuses not being PID 1", rc == 125 and any("not PID 1" in l for l in st), (rc, st, out))

st, rc, out, _ = run(container_plan(["true"], container=False))
check("refuses a native plan", rc == 125 and any("not a CONTAINER plan" in l for l in st), (rc, st))

st, rc, out, _ = run(container_plan(["true"], extra=[P.rec("ROOT_DIR", "/srv")]))
check("refuses a plan that asks for a root", rc == 125 and any("CONTAINER with a root" in l
                                                                for l in st), (rc, st))

st, rc, out, _ = run(container_plan(["true"]), engine=[e for e in ENGINE
                                                        if not e.startswith("--bounding")])
check("refuses capabilities left in the bounding set",
      rc == 125 and any("bounding set" in l for l in st), (rc, st))

st, rc, out, _ = run(container_plan(["true"]), engine=[e for e in ENGINE if e != "--no-new-privs"])
check("refuses a container without no_new_privs",
      rc == 125 and any("no_new_privs" in l for l in st), (rc, st))

st, rc, out, _ = run(container_plan(["true"]), engine=["setpriv", "--reuid=1001", "--regid=1000",
                                                        "--clear-groups", "--bounding-set=-all",
                                                        "--inh-caps=-all", "--no-new-privs"])
check("refuses another user than the plan's", rc == 125 and any("running as 1001" in l
                                                                for l in st), (rc, st))

t0 = time.monotonic()
st, rc, out, _ = run(container_plan(["sleep", "60"]), close_after=0.5)
check("the lifeline: the agent dies with the supervisor", time.monotonic() - t0 < 5 and rc == 137,
      (rc, st, time.monotonic() - t0))

sys.exit(failures)
