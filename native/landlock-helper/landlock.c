/* Landlock for the agent: read and execute beneath /, full access beneath the writable
 * mounts and tmpfs, devices in /dev, nothing else; TCP connect only to the proxy port and no
 * bind (ABI >= 4); no signals or abstract unix sockets out of the sandbox (ABI >= 6).
 * Mode 2 (required) fails closed; mode 1 (best-effort) applies what the kernel has. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "nc.h"
#include "landlock_abi.h"

#define FS_ABI1 (NC_FS_EXECUTE | NC_FS_WRITE_FILE | NC_FS_READ_FILE | NC_FS_READ_DIR | \
		 NC_FS_REMOVE_DIR | NC_FS_REMOVE_FILE | NC_FS_MAKE_CHAR | NC_FS_MAKE_DIR | \
		 NC_FS_MAKE_REG | NC_FS_MAKE_SOCK | NC_FS_MAKE_FIFO | NC_FS_MAKE_BLOCK | NC_FS_MAKE_SYM)
#define FS_FILE_RIGHTS (NC_FS_EXECUTE | NC_FS_WRITE_FILE | NC_FS_READ_FILE | NC_FS_TRUNCATE | NC_FS_IOCTL_DEV)

static uint64_t handled_fs(int abi)
{
	uint64_t fs = FS_ABI1;
	if (abi >= 2)
		fs |= NC_FS_REFER;
	if (abi >= 3)
		fs |= NC_FS_TRUNCATE;
	if (abi >= 5)
		fs |= NC_FS_IOCTL_DEV;
	return fs;
}

static void allow_path(int ruleset, const char *path, uint64_t access)
{
	struct nc_landlock_path_beneath_attr rule;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		die_with_error("landlock: open %s", path);
	if (fstat(fd, &st) < 0)
		die_with_error("landlock: stat %s", path);
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE_RIGHTS; /* directory rights on a file are EINVAL */
	rule.allowed_access = access;
	rule.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, NC_RULE_PATH_BENEATH, &rule, 0) < 0)
		die_with_error("landlock: allow %s", path);
	close(fd);
}

static void allow_connect(int ruleset, uint16_t port)
{
	struct nc_landlock_net_port_attr rule = {.allowed_access = NC_NET_CONNECT_TCP, .port = port};

	if (syscall(SYS_landlock_add_rule, ruleset, NC_RULE_NET_PORT, &rule, 0) < 0)
		die_with_error("landlock: allow connect to port %u", port);
}

int landlock_apply(const struct nc_plan *plan)
{
	struct nc_landlock_ruleset_attr attr = {0};
	size_t attr_size = sizeof attr.handled_access_fs;
	int abi, ruleset;

	if (plan->landlock == 0)
		return 0;
	abi = landlock_abi_available();
	if (abi == 0) {
		if (plan->landlock == 2)
			die("landlock: required, but this kernel has no Landlock (ABI 0)");
		return 0;
	}
	attr.handled_access_fs = handled_fs(abi);
	if (abi >= 4) {
		attr.handled_access_net = NC_NET_BIND_TCP | NC_NET_CONNECT_TCP;
		attr_size = offsetof(struct nc_landlock_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = NC_SCOPE_ABSTRACT_UNIX_SOCKET | NC_SCOPE_SIGNAL;
		attr_size = sizeof attr;
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0)
		die_with_error("landlock: create ruleset (ABI %d)", abi);

	uint64_t all = attr.handled_access_fs;
	allow_path(ruleset, "/", NC_FS_EXECUTE | NC_FS_READ_FILE | NC_FS_READ_DIR);
	allow_path(ruleset, "/dev", (NC_FS_READ_FILE | NC_FS_WRITE_FILE | NC_FS_READ_DIR |
				     NC_FS_TRUNCATE | NC_FS_IOCTL_DEV) & all);
	allow_path(ruleset, "/dev/shm", all);
	for (size_t i = 0; i < plan->n_tmpfs; i++)
		allow_path(ruleset, plan->tmpfs[i].target, all);
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (plan->mounts[i].writable)
			allow_path(ruleset, plan->mounts[i].target, all);
	if (abi >= 4 && plan->net_mode == 1)
		allow_connect(ruleset, plan->proxy_port);

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		die("landlock: no_new_privs is not set");
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		die_with_error("landlock: restrict self");
	close(ruleset);
	return abi;
}
