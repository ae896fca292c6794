/* The bridge: the only way out of the network namespace. PID 1 listens on
 * 127.0.0.1:PROXY_PORT inside; each connection it accepts is handed, as a file descriptor,
 * to the supervisor's proxy over PROXY_FD (SCM_RIGHTS), together with the pid and
 * executable (as seen in the sandbox) of the process that opened it. The proxy then talks
 * to the agent directly on that socket: no bytes are copied here. PROXY_FD is an inherited
 * socketpair end: the agent can neither see nor connect to it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "nc.h"

int bridge_listen(const struct nc_plan *plan, int hand_fd)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(plan->proxy_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1, fd;

	if (plan->net_mode != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die_with_error("bridge: socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die_with_error("bridge: SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die_with_error("bridge: bind 127.0.0.1:%u", plan->proxy_port);
	if (listen(fd, SOMAXCONN) < 0)
		die_with_error("bridge: listen");
	status_line_fd(hand_fd, "bridge 127.0.0.1:%u", plan->proxy_port);
	return fd;
}

/* Message: u32 pid (0: unknown), then the executable path (rest), with the fd attached. */
static int hand_over(int proxy_fd, int conn, pid_t pid, const char *exe)
{
	unsigned char head[4] = {(unsigned char)pid, (unsigned char)(pid >> 8),
				 (unsigned char)(pid >> 16), (unsigned char)(pid >> 24)};
	struct iovec iov[2] = {{head, 4}, {(void *)exe, pid ? strlen(exe) : 0}};

	return send_fd(proxy_fd, iov, 2, conn, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
}

/* The connection accepted but not yet handed over: the supervisor's end was full. */
static struct {
	int fd;
	pid_t pid;
	char exe[4096];
} held = {.fd = -1};

int bridge_pump(int listen_fd, int proxy_fd)
{
	for (;;) {
		if (held.fd >= 0) {
			if (hand_over(proxy_fd, held.fd, held.pid, held.exe) < 0 &&
			    (errno == EAGAIN || errno == ENOBUFS || errno == EINTR))
				return 1; /* backpressure: the next ones wait in the listen queue */
			/* Handed over, or the supervisor is gone: the client sees a close, never a hang. */
			close(held.fd);
			held.fd = -1;
		}
		struct sockaddr_in peer, self;
		socklen_t plen = sizeof peer, slen = sizeof self;
		int conn = accept4(listen_fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 0; /* EAGAIN: all taken; anything else: the next poll retries */
		}
		held.fd = conn;
		held.pid = 0;
		held.exe[0] = 0;
		if (getsockname(conn, (struct sockaddr *)&self, &slen) == 0 && peer.sin_family == AF_INET)
			held.pid = peer_identify(&peer, &self, held.exe, sizeof held.exe);
	}
}
