/* Container mode (--container SOCKET): PID 1 of a container that an engine (Docker) built
 * from the same plan: its namespaces, read-only root, mounts, cgroup limits, user, empty
 * capability sets, no_new_privs and a first seccomp layer are the engine's. What stays ours,
 * as on the native backend: the plan over a socket (never argv), the bridge and the peer
 * identity, Landlock and the final seccomp layer on the agent, reaping, the lifeline.
 *
 * SOCKET is a unix stream socket of the supervisor, bound into the container. One
 * connection carries everything: the plan (supervisor -> init), then status lines (init ->
 * supervisor; the first one, "bridge ...", carries the supervisor's end of the bridge
 * socketpair by SCM_RIGHTS), and it is the lifeline: EOF there kills the agent. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "nc.h"

static int connect_supervisor(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		die("container: socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_with_error("container: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die_with_error("container: connect %s", path);
	return fd;
}

/* The engine must have done its part: we are PID 1, the plan's user, in no other group,
 * with no capability at all. Anything else is a container we were not meant to run in. */
static void check_identity(const struct nc_plan *plan)
{
	gid_t groups[8];
	int n;

	if (getpid() != 1)
		die("container: not PID 1 (pid %d): the engine must run the init as the entrypoint", (int)getpid());
	if (getuid() != plan->uid || geteuid() != plan->uid || getgid() != plan->gid || getegid() != plan->gid)
		die("container: running as %u:%u, the plan says %u:%u", (unsigned)geteuid(),
		    (unsigned)getegid(), plan->uid, plan->gid);
	n = getgroups(8, groups);
	if (n < 0)
		die_with_error("container: getgroups");
	for (int i = 0; i < n; i++)
		if (groups[i] != plan->gid)
			die("container: supplementary group %u", (unsigned)groups[i]);
	for (int cap = 0; cap <= 63; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* past the kernel's last capability */
		if (r == 1)
			die("container: capability %d is in the bounding set (cap-drop ALL missing)", cap);
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		die("container: no_new_privs is not set (no-new-privileges missing)");
}

/* The bridge, with a SOCK_SEQPACKET pair: ours goes to bridge_pump, the other end to the
 * supervisor attached to the "bridge" status line. Returns the listening socket. */
static int bridge_to_supervisor(struct nc_plan *plan)
{
	int sp[2], listen_fd;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		die_with_error("bridge: socketpair");
	plan->proxy_fd = sp[0];
	listen_fd = bridge_listen(plan, sp[1]);
	close(sp[1]);
	return listen_fd;
}

/* The engine's tty is PID 1's controlling terminal; give it up so that the agent, in a
 * session of its own, can take it (pty_attach on fd 0). The hang-up that comes with it is
 * for our own process group: ignored. */
static void release_tty(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;

	if (!isatty(STDIN_FILENO))
		die("container: PTY without a terminal on stdin (the engine's tty is off)");
	if (sigaction(SIGHUP, &ign, &old) < 0)
		die_with_error("sigaction SIGHUP");
	if (ioctl(STDIN_FILENO, TIOCNOTTY) < 0 && errno != ENOTTY)
		die_with_error("container: TIOCNOTTY");
	if (sigaction(SIGHUP, &old, NULL) < 0)
		die_with_error("sigaction SIGHUP");
}

int container_main(const char *socket_path)
{
	struct nc_plan plan;
	sigset_t set;
	int sock, sig_fd, listen_fd = -1, agent_status = 0;

	sock = connect_supervisor(socket_path);
	status_set_fd(sock);
	plan_read(sock, &plan);
	if (!plan.container)
		die("plan: not a CONTAINER plan (this init was started with --container)");
	check_identity(&plan);
	if (chdir(plan.workdir) < 0)
		die_with_error("chdir %s", plan.workdir);
	if (plan.net_mode == 1)
		listen_fd = bridge_to_supervisor(&plan);
	if (plan.pty)
		release_tty();

	pid1_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_with_error("sigprocmask");
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		die_with_error("signalfd");
	pid_t agent = fork();
	if (agent < 0)
		die_with_error("fork agent");
	if (agent == 0)
		agent_main(&plan, plan.pty ? STDIN_FILENO : -1);
	caps_lock_down(); /* PID 1: not dumpable, so the agent cannot reach its fds */
	if (pid1_reap_until(agent, sig_fd, listen_fd, plan.proxy_fd, sock, &agent_status))
		return 128 + SIGKILL; /* the supervisor is gone: nobody to tell */
	if (WIFSIGNALED(agent_status)) {
		status_line("signal %d", WTERMSIG(agent_status));
		return 128 + WTERMSIG(agent_status);
	}
	status_line("exit %d", WEXITSTATUS(agent_status));
	return WEXITSTATUS(agent_status);
}
