/* The agent's terminal. When the operator has one, PID 1 opens a pty in the sandbox's own
 * devpts instance, the agent gets the slave as its controlling terminal, and the master
 * goes to the outer init, which puts the operator's terminal in raw mode and relays bytes
 * and window sizes. The operator's terminal itself never enters the sandbox. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nc.h"

void pty_open(struct nc_pty *pty)
{
	int unlock = 0;
	struct winsize ws;

	pty->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty->master < 0)
		die_with_error("pty: open /dev/ptmx");
	if (ioctl(pty->master, TIOCSPTLCK, &unlock) < 0)
		die_with_error("pty: unlock");
	pty->slave = ioctl(pty->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty->slave < 0)
		die_with_error("pty: open peer");
	/* The operator's size from the start, so the agent's first look is right. Fd 0 is
	 * still the operator's terminal here (only the agent gets the slave). */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ioctl(pty->master, TIOCSWINSZ, &ws) < 0)
		die_with_error("pty: set window size");
}

void pty_send_master(int sync_fd, int master)
{
	char tag = 'p';
	struct iovec iov = {&tag, 1};

	if (send_fd(sync_fd, &iov, 1, master, MSG_NOSIGNAL) != 1)
		die_with_error("pty: send master");
}

void pty_attach(int slave)
{
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_with_error("pty: dup2");
	if (slave > 2)
		close(slave);
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		die_with_error("pty: TIOCSCTTY");
}

static struct termios saved;
static int raw_set;

void pty_operator_raw(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return; /* not a terminal after all: relay without changing it */
	raw = saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
		raw_set = 1;
}

void pty_operator_restore(void)
{
	if (raw_set && tcsetattr(STDIN_FILENO, TCSADRAIN, &saved) == 0)
		raw_set = 0;
}

void pty_sync_winsize(int master)
{
	struct winsize ws;

	/* The kernel sends SIGWINCH to the pty's foreground process group. */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

struct pollfd relay_pollfd(const struct nc_relay *r)
{
	if (r->in < 0 && r->len == r->off)
		return (struct pollfd){.fd = -1};
	if (r->len == r->off)
		return (struct pollfd){.fd = r->in, .events = POLLIN};
	return (struct pollfd){.fd = r->out, .events = POLLOUT};
}

int relay_step(struct nc_relay *r, short revents)
{
	if (!revents)
		return 1;
	if (r->len == r->off) {
		ssize_t n = read(r->in, r->buf, sizeof r->buf);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 1;
		if (n <= 0) { /* EOF, or EIO from a master whose slave is closed */
			r->in = -1;
			return 0;
		}
		r->len = (size_t)n;
		r->off = 0;
		return 1;
	}
	ssize_t n = write(r->out, r->buf + r->off, r->len - r->off);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0) {
		r->in = -1;
		r->len = r->off = 0;
		return 0;
	}
	r->off += (size_t)n;
	if (r->off == r->len)
		r->len = r->off = 0;
	return 1;
}

void relay_drain(struct nc_relay *r)
{
	for (int rounds = 0; rounds < 1024; rounds++) {
		struct pollfd p = relay_pollfd(r);
		if (p.fd < 0 || poll(&p, 1, 50) <= 0 || !relay_step(r, p.revents))
			return;
	}
}
