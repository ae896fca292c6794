/* --probe: what this kernel lets the init do, as one JSON line. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "nc.h"
#include "landlock_abi.h"

/* NEMOCLAW_TEST_LANDLOCK_ABI=N caps the ABI the init reports and uses (0 = behave as if the
 * kernel had no Landlock). Test-only: it can only lower protection, so the tests can check
 * that "required" fails closed; the supervisor never sets it. */
int landlock_abi_available(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		abi = 0;
	if (abi > NC_LANDLOCK_KNOWN_ABI)
		abi = NC_LANDLOCK_KNOWN_ABI;
	const char *cap = getenv("NEMOCLAW_TEST_LANDLOCK_ABI");
	if (cap && *cap) {
		char *end;
		long v = strtol(cap, &end, 10);
		if (*end == '\0' && v >= 0 && v < abi)
			abi = v;
	}
	return (int)abi;
}

/* Really creates the namespaces the init needs; returns 0 or the errno. */
static int probe_userns(void)
{
	pid_t pid = raw_clone(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET);
	int status;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ECHILD;
	return 0;
}

int probe_main(void)
{
	int userns_err = probe_userns();
	int seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	/* A NULL filter: EFAULT means filter mode exists, EINVAL means it does not. */
	int filter = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 && errno == EFAULT;

	printf("{\"userns\":%s,\"usernsError\":\"%s\",\"landlockAbi\":%d,\"seccomp\":%s,\"seccompFilter\":%s}\n",
	       userns_err ? "false" : "true", userns_err ? strerror(userns_err) : "",
	       landlock_abi_available(), seccomp ? "true" : "false", filter ? "true" : "false");
	return fflush(stdout) == 0 ? 0 : 1;
}
