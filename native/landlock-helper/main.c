/* nemoclaw-init: the sandbox init. Modes: --version, --probe, --plan-fd N --status-fd M,
 * --container SOCKET (PID 1 of a container an engine built; container.c).
 * See PLAN.md for the plan format and process shape, README.md for the steps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nc.h"

static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 3 || v > 1024)
		return -1;
	return (int)v;
}

static int usage(void)
{
	fprintf(stderr, "usage: nemoclaw-init --plan-fd N --status-fd M | --container SOCKET | --probe | --version\n");
	return NC_EXIT_SETUP;
}

static int run(int plan_fd, int status_fd_nr)
{
	struct nc_plan plan;
	struct nc_child child;

	if (fcntl(status_fd_nr, F_GETFD) < 0) {
		fprintf(stderr, "nemoclaw-init: status fd %d: %s\n", status_fd_nr, strerror(errno));
		return NC_EXIT_SETUP;
	}
	status_set_fd(status_fd_nr);
	/* A successful execve closes both; the agent never sees them. */
	set_cloexec(status_fd_nr);
	set_cloexec(plan_fd);
	plan_read(plan_fd, &plan);
	if (plan.proxy_fd) {
		if (plan.proxy_fd == plan_fd || plan.proxy_fd == status_fd_nr)
			die("plan: PROXY_FD %d is the plan or status fd", plan.proxy_fd);
		if (fcntl(plan.proxy_fd, F_GETFD) < 0)
			die_with_error("plan: PROXY_FD %d", plan.proxy_fd);
		set_cloexec(plan.proxy_fd);
	}
	trees_open(&plan);
	ns_clone_sandbox_init(&plan, plan_fd, &child);
	trees_close(&plan);
	return outer_supervise(&plan, plan_fd, &child);
}

int main(int argc, char **argv)
{
	int plan_fd = -1, status_fd_nr = -1;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s\n", NC_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--probe") == 0)
		return probe_main();
	if (argc == 3 && strcmp(argv[1], "--container") == 0 && argv[2][0] == '/')
		return container_main(argv[2]);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--plan-fd") == 0 && i + 1 < argc && plan_fd < 0)
			plan_fd = parse_fd(argv[++i]);
		else if (strcmp(argv[i], "--status-fd") == 0 && i + 1 < argc && status_fd_nr < 0)
			status_fd_nr = parse_fd(argv[++i]);
		else
			return usage();
	}
	if (plan_fd < 0 || status_fd_nr < 0 || plan_fd == status_fd_nr)
		return usage();
	return run(plan_fd, status_fd_nr);
}
