/* Status lines to the supervisor. Every failure is "fail STEP: MESSAGE" on the
 * status fd (on stderr before there is one), then exit 125. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "nc.h"

static int status_out = -1;

void status_set_fd(int fd)
{
	status_out = fd;
}

int status_fd(void)
{
	return status_out;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

void set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		die_with_error("fcntl %d", fd);
}

static void emit(const char *line)
{
	/* One write per line: lines from the three processes never interleave (< PIPE_BUF). */
	if (status_out >= 0) {
		sigset_t all, old;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		(void)write_all(status_out, line, strlen(line));
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

/* The line for fmt/ap, '\n'-terminated (truncated to fit); its length, or -1. */
static int format_line(char *line, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(line, size - 1, fmt, ap);

	if (n < 0)
		return -1;
	if ((size_t)n > size - 2)
		n = (int)size - 2;
	line[n] = '\n';
	line[n + 1] = '\0';
	return n + 1;
}

void status_line(const char *fmt, ...)
{
	char line[4000];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = format_line(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		emit(line);
}

void status_line_fd(int fd, const char *fmt, ...)
{
	char line[4000];
	struct iovec iov = {line, 0};
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = format_line(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if (fd < 0) {
		emit(line);
		return;
	}
	iov.iov_len = (size_t)n;
	if (send_fd(status_out, &iov, 1, fd, MSG_NOSIGNAL) != (ssize_t)n)
		die_with_error("status: send fd %d", fd);
}

static void __attribute__((noreturn)) fail_with(const char *what, const char *err)
{
	char line[4000];

	if (err)
		snprintf(line, sizeof line, "fail %s: %s\n", what, err);
	else
		snprintf(line, sizeof line, "fail %s\n", what);
	/* Keep a newline even when truncated. */
	line[sizeof line - 2] = '\n';
	emit(line);
	/* The supervisor reports what the status fd says; stderr only when there is none. */
	if (status_out < 0) {
		(void)write_all(STDERR_FILENO, "nemoclaw-init: ", 15);
		(void)write_all(STDERR_FILENO, line, strlen(line));
	}
	_exit(NC_EXIT_SETUP);
}

void die_with_error(const char *fmt, ...)
{
	int saved = errno;
	char what[3000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	fail_with(what, strerror(saved));
}

void die(const char *fmt, ...)
{
	char what[3000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	fail_with(what, NULL);
}

void write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		die_with_error("open %s", path);
	if (write_all(fd, content, strlen(content)) < 0)
		die_with_error("write %s", path);
	if (close(fd) < 0)
		die_with_error("close %s", path);
}
