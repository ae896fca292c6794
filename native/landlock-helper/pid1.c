/* PID 1 inside the sandbox: reap every child (it is the reaper for orphans), forward
 * the signals it gets to the agent, and return when the agent has ended. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "nc.h"

void pid1_forwarded_signals(sigset_t *set)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

	sigemptyset(set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(set, sigs[i]);
}

/* Reaps whatever has ended; returns 1 once the agent is among them. */
static int reap(pid_t agent, int *agent_status)
{
	int done = 0;

	for (;;) {
		int st;
		pid_t r = waitpid(-1, &st, WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0 && errno != ECHILD)
				die_with_error("waitpid");
			return done;
		}
		if (r == agent) {
			*agent_status = st;
			done = 1;
		}
	}
}

/* EOF or a hang-up on the lifeline: the supervisor is gone. Anything else read there is
 * not expected after the plan and ignored. */
static int lifeline_lost(int fd, short revents)
{
	char buf[256];

	if (revents & POLLIN) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
			return 0;
	}
	return 1;
}

/* Returns once the agent has exited (0, *agent_status is its wait status) or the lifeline
 * was lost (1: the agent was killed). Meanwhile the bridge hands every connection to
 * 127.0.0.1:PROXY_PORT to the supervisor (listen_fd -1: no bridge). Everything else left
 * in the namespace is SIGKILLed and reaped before returning. lifeline_fd -1: none here
 * (the outer init watches it). */
int pid1_reap_until(pid_t agent, int sig_fd, int listen_fd, int proxy_fd, int lifeline_fd,
		    int *agent_status)
{
	int done = 0, lost = 0, backed_up = 0;

	while (!done && !lost) {
		/* While the supervisor's end is full, wait for it instead of accepting more. */
		struct pollfd fds[3] = {{.fd = sig_fd, .events = POLLIN},
					{.fd = backed_up ? proxy_fd : listen_fd,
					 .events = backed_up ? POLLOUT : POLLIN},
					{.fd = lifeline_fd, .events = POLLIN}};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_with_error("poll");
		}
		if (fds[2].revents && lifeline_lost(lifeline_fd, fds[2].revents)) {
			lost = 1;
			break;
		}
		if (fds[1].revents)
			backed_up = bridge_pump(listen_fd, proxy_fd);
		if (!(fds[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		ssize_t n = read(sig_fd, &si, sizeof si);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof si)
			die_with_error("read signalfd");
		if (si.ssi_signo != SIGCHLD) {
			if (kill(agent, (int)si.ssi_signo) < 0 && errno != ESRCH)
				die_with_error("forward signal %u", si.ssi_signo);
			continue;
		}
		done = reap(agent, agent_status);
	}
	/* The agent is gone: nothing it started outlives it. */
	if (kill(-1, SIGKILL) < 0 && errno != ESRCH)
		die_with_error("kill remaining processes");
	for (;;) {
		pid_t r = waitpid(-1, NULL, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
	}
	return lost;
}
