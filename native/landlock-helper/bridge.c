/* The bridge: the only way out of the network namespace. PID 1 listens on
 * 127.0.0.1:PROXY_PORT inside; each connection it accepts is handed, as a file descriptor,
 * to the supervisor's proxy over PROXY_FD (SCM_RIGHTS), together with the pid and
 * executable (as seen in the sandbox) of the process that opened it. The proxy then talks
 * to the agent directly on that socket: no bytes are copied here. PROXY_FD is an inherited
 * socketpair end: the agent can neither see nor connect to it. */
#include <dirent.h>
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

/* The inode of the client's socket: the /proc/net/tcp entry whose local end is the peer
 * of the accepted connection and whose remote end is the bridge. 0 when not found. */
static unsigned long client_inode(const struct sockaddr_in *peer, const struct sockaddr_in *self)
{
	char line[512];
	unsigned long inode = 0;
	FILE *f = fopen("/proc/net/tcp", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned la, lp, ra, rp, st;
		unsigned long ino;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*d: %x:%x %x:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
			   &la, &lp, &ra, &rp, &st, &ino) != 6)
			continue;
		/* /proc/net/tcp prints the address as the raw __be32 read as a host int. */
		if (la == peer->sin_addr.s_addr && lp == ntohs(peer->sin_port) &&
		    ra == self->sin_addr.s_addr && rp == ntohs(self->sin_port)) {
			inode = ino;
			break;
		}
	}
	fclose(f);
	return inode;
}

static int holds_socket(long pid, const char *want)
{
	char path[64], link[64];
	int found = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		ssize_t n;
		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
		if (n > 0) {
			link[n] = 0;
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

/* The one process holding the socket: its pid, and its executable in *exe. 0 when nobody
 * or more than one process holds it (a fork after connect): then it is unknown. */
static pid_t socket_owner(unsigned long inode, char *exe, size_t exe_size)
{
	char want[48], path[64];
	pid_t owner = 0;
	DIR *d;
	struct dirent *e;

	if (!inode)
		return 0;
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || !holds_socket(pid, want))
			continue;
		if (owner) {
			owner = 0;
			break;
		}
		owner = (pid_t)pid;
	}
	closedir(d);
	if (owner) {
		snprintf(path, sizeof path, "/proc/%d/exe", (int)owner);
		ssize_t n = readlink(path, exe, exe_size - 1);
		if (n <= 0)
			return 0;
		exe[n] = 0;
	}
	return owner;
}

/* Message: u32 pid (0: unknown), then the executable path (rest), with the fd attached. */
static int hand_over(int proxy_fd, int conn, pid_t pid, const char *exe)
{
	unsigned char head[4] = {(unsigned char)pid, (unsigned char)(pid >> 8),
				 (unsigned char)(pid >> 16), (unsigned char)(pid >> 24)};
	struct iovec iov[2] = {{head, 4}, {(void *)exe, pid ? strlen(exe) : 0}};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = c.buf,
			     .msg_controllen = sizeof c.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &conn, sizeof conn);
	return sendmsg(proxy_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -1 : 0;
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
			held.pid = socket_owner(client_inode(&peer, &self), held.exe, sizeof held.exe);
	}
}
