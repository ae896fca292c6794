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

/* Returns once the agent has exited; *agent_status is its wait status. Everything else
 * left in the namespace is SIGKILLed and reaped before returning. */
int pid1_reap_until(pid_t agent, int sig_fd, int *agent_status)
{
	int done = 0;

	while (!done) {
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
		for (;;) {
			int st;
			pid_t r = waitpid(-1, &st, WNOHANG);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == ECHILD)
				break;
			if (r < 0)
				die_with_error("waitpid");
			if (r == 0)
				break;
			if (r == agent) {
				*agent_status = st;
				done = 1;
			}
		}
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
	return 0;
}
