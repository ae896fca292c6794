/* Passing a file descriptor over a unix socket (SCM_RIGHTS), with the bytes it comes with:
 * the pty master to the outer init, the bridge's socketpair end to the supervisor beside its
 * status line, and every bridged connection. */
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "nc.h"

ssize_t send_fd(int sock, struct iovec *iov, int iovcnt, int fd, int flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt,
			     .msg_control = c.buf, .msg_controllen = sizeof c.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(sock, &msg, flags);
}
