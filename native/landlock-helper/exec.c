/* The agent (PID 2): new session, no inherited fds, limits, the sandbox identity, no
 * capabilities, no_new_privs, Landlock, seccomp last, then execve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "nc.h"

static void new_session(int pty_slave)
{
	/* A new session: TIOCSTI/job control cannot reach the operator's terminal. */
	if (setsid() < 0)
		die_with_error("setsid");
	/* The sandbox's own pty becomes the controlling terminal. Without one, the agent
	 * has none: the operator's terminal (if fds 0-2 are one) is another session's. */
	if (pty_slave >= 0)
		pty_attach(pty_slave);
}

static void close_other_fds(void)
{
	int keep = status_fd();

	if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) < 0)
		die_with_error("close_range");
	if (syscall(SYS_close_range, keep + 1, ~0U, 0) < 0)
		die_with_error("close_range");
}

static void set_rlimits(const struct nc_plan *plan)
{
	struct rlimit core = {0, 0};

	for (size_t i = 0; i < plan->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = plan->rlimits[i].soft, .rlim_max = plan->rlimits[i].hard};
		if (setrlimit((int)plan->rlimits[i].resource, &rl) < 0)
			die_with_error("setrlimit %u", plan->rlimits[i].resource);
	}
	if (setrlimit(RLIMIT_CORE, &core) < 0)
		die_with_error("setrlimit core");
}

static void add_env(struct nc_plan *plan, const char *fmt, int value)
{
	char *s;

	if (asprintf(&s, fmt, value) < 0)
		die_with_error("asprintf");
	/* plan.c keeps a spare slot at the end of envp */
	plan->envp[plan->envc++] = s;
	plan->envp[plan->envc] = NULL;
}

static const char *env_path(const struct nc_plan *plan)
{
	for (size_t i = 0; i < plan->envc; i++)
		if (strncmp(plan->envp[i], "PATH=", 5) == 0)
			return plan->envp[i] + 5;
	return "/usr/local/bin:/usr/bin:/bin";
}

/* The file execve will run: argv[0] itself if it has a '/', else the first PATH entry
 * holding a non-directory of that name. NULL: not found. */
static char *find_program(const struct nc_plan *plan)
{
	const char *name = plan->argv[0];
	const char *p = env_path(plan);
	struct stat st;

	if (strchr(name, '/'))
		return strdup(name);
	if (!*name)
		return NULL;
	while (1) {
		size_t len = strcspn(p, ":");
		char *cand;
		if (asprintf(&cand, "%.*s/%s", (int)len, len ? p : ".", name) < 0)
			die_with_error("asprintf");
		if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode))
			return cand;
		free(cand);
		if (!p[len])
			return NULL;
		p += len + 1;
	}
}

static void __attribute__((noreturn)) exec_failed(int err, const char *what)
{
	status_line("exec %d: %s: %s", err, what, strerror(err));
	if (status_fd() < 0)
		fprintf(stderr, "nemoclaw-init: %s: %s\n", what, strerror(err));
	_exit(err == ENOENT ? NC_EXIT_NOTFOUND : NC_EXIT_NOEXEC);
}

void agent_main(struct nc_plan *plan, int pty_slave)
{
	sigset_t none;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		die_with_error("sigprocmask");
	new_session(pty_slave);
	close_other_fds();
	set_rlimits(plan);
	caps_set_ids(plan);
	caps_drop_all();
	caps_lock_down();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die_with_error("prctl PDEATHSIG");

	int abi = landlock_apply(plan);
	status_line("landlock %d", abi);
	add_env(plan, "NEMOCLAW_LANDLOCK_ABI=%d", abi);

	char *program = find_program(plan);
	int rules = seccomp_apply(plan);
	status_line("seccomp %d", rules);
	if (!program)
		exec_failed(ENOENT, plan->argv[0]);
	status_line("started");
	execve(program, plan->argv, plan->envp);
	exec_failed(errno, program);
}
