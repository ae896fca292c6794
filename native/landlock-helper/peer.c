/* Who opened a connection to the bridge: the one process inside holding the client's end of
 * it, and the executable it runs (PLAN.md, "The bridge"). Two steps, each cheap with many
 * connections open: the client socket's inode by an exact sock_diag lookup of its four-tuple
 * (a hash lookup; /proc/net/tcp, read whole, is the fallback), then the processes' fd tables,
 * newest descriptors first (a socket just connected is usually the highest one). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "nc.h"

/* The inode of the TCP socket whose local end is `local` and remote end `remote`, by
 * sock_diag; 0 when not found or sock_diag is unavailable. */
static unsigned long diag_inode(const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} q = {
		.nh = {.nlmsg_len = sizeof q, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST},
		.req = {.sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
			.idiag_states = ~0U,
			.id = {.idiag_sport = local->sin_port, .idiag_dport = remote->sin_port,
			       .idiag_src = {local->sin_addr.s_addr},
			       .idiag_dst = {remote->sin_addr.s_addr},
			       .idiag_cookie = {INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE}}},
	};
	union {
		struct nlmsghdr nh;
		char buf[1024];
	} a;
	unsigned long inode = 0;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return 0;
	if (send(fd, &q, sizeof q, 0) == (ssize_t)sizeof q) {
		ssize_t n = recv(fd, &a, sizeof a, 0);
		if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct inet_diag_msg)) &&
		    NLMSG_OK(&a.nh, (size_t)n) && a.nh.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			const struct inet_diag_msg *m = NLMSG_DATA(&a.nh);
			if (m->id.idiag_sport == local->sin_port &&
			    m->id.idiag_dport == remote->sin_port &&
			    m->id.idiag_src[0] == local->sin_addr.s_addr &&
			    m->id.idiag_dst[0] == remote->sin_addr.s_addr)
				inode = m->idiag_inode;
		}
	}
	close(fd);
	return inode;
}

/* The same from /proc/net/tcp, read whole: for kernels without sock_diag. */
static unsigned long proc_inode(const struct sockaddr_in *local, const struct sockaddr_in *remote)
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
		if (la == local->sin_addr.s_addr && lp == ntohs(local->sin_port) &&
		    ra == remote->sin_addr.s_addr && rp == ntohs(remote->sin_port)) {
			inode = ino;
			break;
		}
	}
	fclose(f);
	return inode;
}

static int by_fd_descending(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

/* Whether process `pid` holds the socket named `want` ("socket:[INODE]"). */
static int holds_socket(long pid, const char *want)
{
	char path[64], link[64];
	int *fds = NULL, n = 0, cap = 0, found = 0;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			int *more = realloc(fds, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *fds);
			if (!more)
				break; /* what was read is still searched */
			fds = more;
		}
		fds[n++] = atoi(e->d_name);
	}
	qsort(fds, (size_t)n, sizeof *fds, by_fd_descending);
	for (int i = 0; i < n && !found; i++) {
		snprintf(path, sizeof path, "%d", fds[i]);
		ssize_t len = readlinkat(dirfd(d), path, link, sizeof link - 1);
		if (len > 0) {
			link[len] = 0;
			found = strcmp(link, want) == 0;
		}
	}
	free(fds);
	closedir(d);
	return found;
}

pid_t peer_identify(const struct sockaddr_in *peer, const struct sockaddr_in *self, char *exe,
		    size_t exe_size)
{
	char want[48], path[64];
	pid_t owner = 0;
	DIR *d;
	struct dirent *e;
	/* The client's socket: local end = the accepted connection's peer, remote = the bridge. */
	unsigned long inode = diag_inode(peer, self);

	if (!inode)
		inode = proc_inode(peer, self);
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
			owner = 0; /* more than one holds it: unknown */
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
