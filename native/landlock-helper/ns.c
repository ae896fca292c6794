/* The outer init's half of the namespace set-up: clone the sandbox init into new
 * namespaces, write its uid/gid maps, put it in the sandbox cgroup, then let it go. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "nc.h"

/* CLONE_NEWCGROUP is not among them: a cgroup namespace is rooted where its creator is
 * when it is created, so the sandbox init unshares it only after the outer init has moved
 * it into the sandbox cgroup (ns_wait_for_go). */
#define SANDBOX_NS_FLAGS (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | \
			  CLONE_NEWUTS | CLONE_NEWIPC)

pid_t raw_clone(unsigned long flags)
{
	/* x86_64 and aarch64 both take (flags, stack, ...); a NULL stack means "share the
	 * parent's stack layout", exactly like fork. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static void kill_and_die(pid_t pid, const char *what)
{
	int saved = errno;
	kill(pid, SIGKILL);
	errno = saved;
	die_with_error("%s", what);
}

static void write_child_file(pid_t pid, const char *name, const char *content)
{
	char path[64], what[96];
	int saved;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(what, sizeof what, "write %s", name);
		kill_and_die(pid, what);
	}
	if (write_all(fd, content, strlen(content)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		snprintf(what, sizeof what, "write %s", name);
		kill_and_die(pid, what);
	}
	close(fd);
}

static void write_id_maps(const struct nc_plan *plan, pid_t pid)
{
	char map[64];

	/* setgroups must be denied before an unprivileged gid_map; the map holds no groups. */
	write_child_file(pid, "setgroups", "deny");
	snprintf(map, sizeof map, "%u %u 1\n", plan->uid, plan->host_uid);
	write_child_file(pid, "uid_map", map);
	snprintf(map, sizeof map, "%u %u 1\n", plan->gid, plan->host_gid);
	write_child_file(pid, "gid_map", map);
}

/* Before the child goes on, so that its cgroup namespace root is the sandbox cgroup. */
static void join_cgroups(const struct nc_plan *plan, pid_t pid)
{
	char buf[32], what[4200];

	snprintf(buf, sizeof buf, "%d\n", (int)pid);
	for (size_t i = 0; i < plan->n_cgroup_procs; i++) {
		int fd = open(plan->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write_all(fd, buf, strlen(buf)) < 0) {
			snprintf(what, sizeof what, "cgroup %s", plan->cgroup_procs[i]);
			kill_and_die(pid, what);
		}
		close(fd);
	}
}

void ns_wait_for_go(int sync_fd)
{
	char go;
	ssize_t n;

	do
		n = recv(sync_fd, &go, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(NC_EXIT_SETUP); /* the outer init died or failed and already reported */
	/* Now in the sandbox cgroup: the new cgroup namespace is rooted there. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		die_with_error("unshare cgroup namespace");
}

void ns_clone_sandbox_init(const struct nc_plan *plan, int plan_fd, struct nc_child *child)
{
	int sv[2];
	sigset_t set;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_with_error("socketpair");
	/* Blocked before clone: nothing is lost between clone and the signalfd. */
	pid1_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die_with_error("sigprocmask");

	pid = raw_clone(SANDBOX_NS_FLAGS);
	if (pid < 0)
		die_with_error("clone namespaces");
	if (pid == 0) {
		close(sv[0]);
		/* Second line of defence after the lifeline (set again after the uid change, which
		 * clears it): the outer init is single-threaded,
		 * so "parent died" really means the outer init died. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			die_with_error("prctl PDEATHSIG");
		ns_wait_for_go(sv[1]);
		sandbox_init_main(plan, plan_fd, sv[1]);
	}
	close(sv[1]);
	/* Only PID 1 holds the bridge's end: if it dies, the supervisor sees EOF. */
	if (plan->proxy_fd)
		close(plan->proxy_fd);
	write_id_maps(plan, pid);
	join_cgroups(plan, pid);
	status_line("pid %d", (int)pid);
	if (send(sv[0], "g", 1, MSG_NOSIGNAL) != 1)
		kill_and_die(pid, "sync sandbox init");
	child->pid = pid;
	child->sync_fd = sv[0];
}
