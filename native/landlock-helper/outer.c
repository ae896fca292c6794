/* The outer init after the clone: watch the lifeline (plan fd), forward signals to the
 * sandbox init, reap it, report how the agent ended and exit the same way. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "nc.h"

static void on_lifeline(int plan_fd, short revents, pid_t pid, int *killed)
{
	char buf[256];

	if (revents & POLLIN) {
		ssize_t n = read(plan_fd, buf, sizeof buf);
		if (n > 0 || (n < 0 && errno == EINTR))
			return; /* nothing is expected after the plan; ignore it */
	}
	/* EOF or POLLHUP: the supervisor is gone. Killing PID 1 tears down the whole pid
	 * namespace, the agent and everything it started included. */
	if (!*killed && kill(pid, SIGKILL) < 0 && errno != ESRCH)
		die_with_error("kill sandbox init");
	*killed = 1;
}

static int report(int wait_status)
{
	if (WIFSIGNALED(wait_status)) {
		status_line("signal %d", WTERMSIG(wait_status));
		return 128 + WTERMSIG(wait_status);
	}
	status_line("exit %d", WEXITSTATUS(wait_status));
	return WEXITSTATUS(wait_status);
}

int outer_supervise(const struct nc_plan *plan, int plan_fd, struct nc_child *child)
{
	sigset_t set;
	int sig_fd, killed = 0, agent_status = 0, have_agent_status = 0;
	int lifeline = 1;

	(void)plan;
	pid1_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		die_with_error("signalfd");

	for (;;) {
		struct pollfd fds[3] = {
			{.fd = sig_fd, .events = POLLIN},
			{.fd = child->sync_fd, .events = POLLIN},
			{.fd = lifeline ? plan_fd : -1, .events = POLLIN},
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_with_error("poll");
		}
		if (fds[2].revents) {
			on_lifeline(plan_fd, fds[2].revents, child->pid, &killed);
			if (killed)
				lifeline = 0;
		}
		if (fds[1].revents & POLLIN) {
			/* PID 1 sends the agent's raw wait status just before it exits. */
			int st;
			ssize_t n = recv(child->sync_fd, &st, sizeof st, MSG_DONTWAIT);
			if (n == (ssize_t)sizeof st) {
				agent_status = st;
				have_agent_status = 1;
			}
			if (n <= 0)
				child->sync_fd = -1; /* peer gone; wait for SIGCHLD */
		} else if (fds[1].revents & (POLLHUP | POLLERR)) {
			child->sync_fd = -1;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof si) != (ssize_t)sizeof si)
				die_with_error("read signalfd");
			if (si.ssi_signo != SIGCHLD) {
				if (kill(child->pid, (int)si.ssi_signo) < 0 && errno != ESRCH)
					die_with_error("forward signal %u", si.ssi_signo);
				continue;
			}
			int st;
			pid_t r = waitpid(child->pid, &st, WNOHANG);
			if (r < 0)
				die_with_error("waitpid sandbox init");
			if (r == 0)
				continue;
			if (child->sync_fd >= 0 && !have_agent_status) {
				int ast;
				if (recv(child->sync_fd, &ast, sizeof ast, MSG_DONTWAIT) == (ssize_t)sizeof ast) {
					agent_status = ast;
					have_agent_status = 1;
				}
			}
			/* Killed by us, or a setup failure (125) in the sandbox init: its own
			 * status is the answer. Otherwise the agent's. */
			return report(have_agent_status && !killed ? agent_status : st);
		}
	}
}
