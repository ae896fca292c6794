/* Identity and privilege: set the sandbox uid/gid, then drop every capability. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "nc.h"

void caps_set_ids(const struct nc_plan *plan)
{
	/* No setgroups(): "setgroups deny" forbids it and the gid map has no other group. */
	if (setresgid(plan->gid, plan->gid, plan->gid) < 0)
		die_with_error("setresgid %u", plan->gid);
	if (setresuid(plan->uid, plan->uid, plan->uid) < 0)
		die_with_error("setresuid %u", plan->uid);
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	/* Without /proc: drop everything this build knows, plus headroom; EINVAL ends it. */
	return n >= 0 ? n : CAP_LAST_CAP + 24;
}

void caps_drop_all(void)
{
	caps_drop_all_but(-1);
}

void caps_drop_all_but(int keep)
{
	struct __user_cap_header_struct head = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {{0}};
	int last = last_cap();

	for (int cap = 0; cap <= last; cap++) {
		/* Gone already (a container started without capabilities, where dropping more
		 * would take CAP_SETPCAP): nothing to do. */
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL && cap > CAP_LAST_CAP)
				break;
			die_with_error("drop bounding cap %d", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die_with_error("clear ambient caps");
	if (keep >= 0) {
		data[keep / 32].effective = data[keep / 32].permitted = 1u << (keep % 32);
	}
	if (syscall(SYS_capset, &head, data) < 0)
		die_with_error("capset");
}

void caps_lock_down(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_with_error("prctl NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die_with_error("prctl DUMPABLE");
}
