/* The sandbox init: PID 1 of the new namespaces. Builds the sandbox, forks the agent,
 * drops its own privileges, then reaps until the agent ends. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "nc.h"

static void set_hostname(const struct nc_plan *plan)
{
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		die_with_error("sethostname %s", plan->hostname);
}

/* Changing credentials clears PR_SET_PDEATHSIG, so it is set (again) after caps_set_ids.
 * If the outer init died in between, its end of the sync socket is already closed. */
static void keep_death_signal(int sync_fd)
{
	struct pollfd p = {.fd = sync_fd, .events = POLLIN};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die_with_error("prctl PDEATHSIG");
	if (poll(&p, 1, 0) < 0)
		die_with_error("poll sync");
	if (p.revents & (POLLHUP | POLLERR))
		_exit(NC_EXIT_SETUP);
}

static pid_t fork_agent(struct nc_plan *plan, int pty_slave)
{
	pid_t pid = fork();

	if (pid < 0)
		die_with_error("fork agent");
	if (pid == 0)
		agent_main(plan, pty_slave);
	return pid;
}

void sandbox_init_main(const struct nc_plan *cplan, int plan_fd, int sync_fd)
{
	struct nc_plan *plan = (struct nc_plan *)cplan; /* our own copy after clone */
	sigset_t set;
	int sig_fd, listen_fd, agent_status = 0;
	struct nc_pty pty = {-1, -1};

	/* The lifeline belongs to the outer init. */
	if (close(plan_fd) < 0)
		die_with_error("close plan fd");
	/* A mapped fsuid: the kernel refuses to create files for an unmapped one. The
	 * capabilities of the new user namespace stay (the old ids were not its root). */
	caps_set_ids(plan);
	keep_death_signal(sync_fd);
	set_hostname(plan);
	net_setup(plan);
	listen_fd = bridge_listen(plan, -1);
	mounts_build_root(plan);
	if (plan->pty)
		pty_open(&pty);

	pid1_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		die_with_error("signalfd");
	pid_t agent = fork_agent(plan, pty.slave);

	if (plan->pty) {
		pty_send_master(sync_fd, pty.master);
		close(pty.master);
		close(pty.slave);
	}
	/* The bridge reads /proc/PID/fd of the agent's processes (not dumpable) to name
	 * who connected: that takes CAP_SYS_PTRACE in the sandbox's user namespace, and
	 * nothing else. */
	caps_drop_all_but(listen_fd >= 0 ? CAP_SYS_PTRACE : -1);
	caps_lock_down();
	pid1_reap_until(agent, sig_fd, listen_fd, plan->proxy_fd, -1, &agent_status);
	if (send(sync_fd, &agent_status, sizeof agent_status, MSG_NOSIGNAL) != (ssize_t)sizeof agent_status)
		die_with_error("send agent status");
	_exit(WIFSIGNALED(agent_status) ? 128 + WTERMSIG(agent_status) : WEXITSTATUS(agent_status));
}
