/* The outer init after the clone: watch the lifeline (plan fd), forward signals to the
 * sandbox init, relay the agent's pty if it has one, reap the sandbox init, report how
 * the agent ended and exit the same way. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "nc.h"

struct outer {
	pid_t pid;
	int sync_fd, plan_fd, killed, have_agent_status, agent_status;
	int master; /* the agent's pty master, -1 without one */
	struct nc_relay to_agent, from_agent;
};

static void on_lifeline(struct outer *o, short revents)
{
	char buf[256];

	if (revents & POLLIN) {
		ssize_t n = read(o->plan_fd, buf, sizeof buf);
		if (n > 0 || (n < 0 && errno == EINTR))
			return; /* nothing is expected after the plan; ignore it */
	}
	/* EOF or POLLHUP: the supervisor is gone. Killing PID 1 tears down the whole pid
	 * namespace, the agent and everything it started included. */
	if (!o->killed && kill(o->pid, SIGKILL) < 0 && errno != ESRCH)
		die_with_error("kill sandbox init");
	o->killed = 1;
	o->plan_fd = -1;
}

static void take_master(struct outer *o, int fd)
{
	o->master = fd;
	o->to_agent = (struct nc_relay){.in = STDIN_FILENO, .out = fd};
	o->from_agent = (struct nc_relay){.in = fd, .out = STDOUT_FILENO};
	pty_operator_raw();
	pty_sync_winsize(fd);
}

/* PID 1 sends the pty master ('p' + the fd) after the agent starts, and the agent's raw
 * wait status (an int) just before it exits. */
static void on_sync(struct outer *o)
{
	union {
		int status;
		char tag;
	} m;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = {&m, sizeof m};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			     .msg_controllen = sizeof c.buf};
	ssize_t n = recvmsg(o->sync_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (cm && cm->cmsg_type == SCM_RIGHTS && n == 1 && m.tag == 'p' && o->master < 0) {
		int fd;
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
		take_master(o, fd);
		return;
	}
	if (n == (ssize_t)sizeof m.status) {
		o->agent_status = m.status;
		o->have_agent_status = 1;
	}
	if (n <= 0)
		o->sync_fd = -1; /* peer gone; wait for SIGCHLD */
}

static int report(int wait_status)
{
	pty_operator_restore();
	if (WIFSIGNALED(wait_status)) {
		status_line("signal %d", WTERMSIG(wait_status));
		return 128 + WTERMSIG(wait_status);
	}
	status_line("exit %d", WEXITSTATUS(wait_status));
	return WEXITSTATUS(wait_status);
}

/* Returns 1 once the sandbox init has been reaped, with its wait status in *st. */
static int on_signal(struct outer *o, int sig_fd, int *st)
{
	struct signalfd_siginfo si;

	if (read(sig_fd, &si, sizeof si) != (ssize_t)sizeof si)
		die_with_error("read signalfd");
	if (si.ssi_signo == SIGWINCH && o->master >= 0) {
		pty_sync_winsize(o->master); /* the kernel signals the agent's foreground group */
		return 0;
	}
	if (si.ssi_signo != SIGCHLD) {
		if (kill(o->pid, (int)si.ssi_signo) < 0 && errno != ESRCH)
			die_with_error("forward signal %u", si.ssi_signo);
		return 0;
	}
	pid_t r = waitpid(o->pid, st, WNOHANG);
	if (r < 0)
		die_with_error("waitpid sandbox init");
	return r > 0;
}

int outer_supervise(const struct nc_plan *plan, int plan_fd, struct nc_child *child)
{
	struct outer o = {.pid = child->pid, .sync_fd = child->sync_fd, .plan_fd = plan_fd,
			  .master = -1};
	sigset_t set;
	int sig_fd, st;

	(void)plan;
	pid1_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sig_fd < 0)
		die_with_error("signalfd");

	for (;;) {
		struct pollfd fds[5] = {
			{.fd = sig_fd, .events = POLLIN},
			{.fd = o.sync_fd, .events = POLLIN},
			{.fd = o.plan_fd, .events = POLLIN},
			relay_pollfd(&o.to_agent),
			relay_pollfd(&o.from_agent),
		};
		if (o.master < 0)
			fds[3].fd = fds[4].fd = -1;
		if (poll(fds, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_with_error("poll");
		}
		if (fds[2].revents)
			on_lifeline(&o, fds[2].revents);
		if (fds[1].revents & POLLIN)
			on_sync(&o);
		else if (fds[1].revents & (POLLHUP | POLLERR))
			o.sync_fd = -1;
		if (o.master >= 0) {
			relay_step(&o.to_agent, fds[3].revents);
			relay_step(&o.from_agent, fds[4].revents);
		}
		if ((fds[0].revents & POLLIN) && on_signal(&o, sig_fd, &st))
			break;
	}
	if (o.sync_fd >= 0 && !o.have_agent_status)
		on_sync(&o);
	if (o.master >= 0)
		relay_drain(&o.from_agent); /* the agent's last words */
	/* Killed by us, or a setup failure (125) in the sandbox init: its own status is the
	 * answer. Otherwise the agent's. */
	return report(o.have_agent_status && !o.killed ? o.agent_status : st);
}
