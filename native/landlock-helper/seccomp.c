/* Seccomp, applied last: the plan's rules compiled with libseccomp. Syscall names this
 * kernel/arch does not know are skipped (as Docker does); so is a rule whose action equals
 * the default (libseccomp refuses those, and they change nothing). */
#include <errno.h>
#include <string.h>
#include <seccomp.h>

#include "nc.h"

static uint32_t action_of(uint32_t action, uint32_t errno_ret)
{
	switch (action) {
	case 0: return SCMP_ACT_ALLOW;
	case 1: return SCMP_ACT_ERRNO(errno_ret & 0xffff);
	case 2: return SCMP_ACT_KILL_PROCESS;
	case 3: return SCMP_ACT_TRAP;
	case 4: return SCMP_ACT_LOG;
	default: return SCMP_ACT_KILL_THREAD;
	}
}

static void seccomp_die(int rc, const char *what, const char *name)
{
	errno = -rc;
	die_with_error("seccomp: %s %s", what, name);
}

static int runnable_here(uint32_t arch)
{
	uint32_t native = seccomp_arch_native();

	if (arch == native)
		return 1;
	if (native == SCMP_ARCH_X86_64)
		return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_X32;
	if (native == SCMP_ARCH_AARCH64)
		return arch == SCMP_ARCH_ARM;
	return 1; /* elsewhere: keep what the profile says */
}

int seccomp_apply(const struct nc_plan *plan)
{
	scmp_filter_ctx ctx;
	int rc, installed = 0;

	if (!plan->has_seccomp)
		return 0;
	ctx = seccomp_init(action_of(plan->seccomp_default_action, plan->seccomp_default_errno));
	if (!ctx)
		die("seccomp: init failed");
	/* Syscalls of an architecture not in the filter (i386, x32 on x86_64) kill. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
		seccomp_die(rc, "set bad-arch action", "");
	for (size_t i = 0; i < plan->n_seccomp_arches; i++) {
		uint32_t arch = seccomp_arch_resolve_name(plan->seccomp_arches[i]);
		if (arch == 0)
			die("seccomp: unknown architecture %s", plan->seccomp_arches[i]);
		/* An architecture this kernel cannot run (aarch64 on x86_64) needs no filter:
		 * compiling one only costs start-up time. Its own compat ABIs stay in. */
		if (!runnable_here(arch))
			continue;
		rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			seccomp_die(rc, "add architecture", plan->seccomp_arches[i]);
	}
	for (size_t i = 0; i < plan->n_seccomp_rules; i++) {
		const struct nc_seccomp_rule *r = &plan->seccomp_rules[i];
		struct scmp_arg_cmp cmp[6];
		int nr = seccomp_syscall_resolve_name(r->name);

		if (nr == __NR_SCMP_ERROR)
			continue;
		for (unsigned a = 0; a < r->nargs; a++) {
			cmp[a].arg = r->args[a].index;
			cmp[a].op = (enum scmp_compare)r->args[a].op;
			cmp[a].datum_a = r->args[a].value;
			cmp[a].datum_b = r->args[a].value_two;
		}
		rc = seccomp_rule_add_array(ctx, action_of(r->action, r->errno_ret), nr, r->nargs, cmp);
		if (rc == -EACCES)
			continue;
		if (rc < 0)
			seccomp_die(rc, "add rule for", r->name);
		installed++;
	}
	if ((rc = seccomp_load(ctx)) < 0)
		seccomp_die(rc, "load", "");
	seccomp_release(ctx);
	return installed;
}
