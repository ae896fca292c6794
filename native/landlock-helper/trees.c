/* Root runs only: the sources of MOUNT entries and of ROOT_DIR, cloned as detached mount trees
 * by the outer init while it is still real root in the host's namespaces. The sandbox init's
 * user namespace maps no host root, so it could not even walk to a source below a 0700
 * directory such as /root (a project in root's home); it attaches the clones with move_mount
 * instead, and makes them read-only or nosuid as for any bind. Sources are resolved as the
 * init resolves them (no magic links, the last component not followed); a source that cannot
 * be cloned here is left to the init, which opens it itself and says what is wrong. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include "nc.h"

static int clone_tree(const char *source)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	if (source[0] != '/')
		return -1;
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, source, &how, sizeof how);
	if (fd < 0)
		return -1;
	int tree = (int)syscall(SYS_open_tree, fd, "",
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	close(fd);
	return tree;
}

void trees_open(struct nc_plan *plan)
{
	if (geteuid() != 0)
		return;
	plan->mount_trees = calloc(plan->n_mounts + 1, sizeof *plan->mount_trees);
	if (!plan->mount_trees)
		die_with_error("calloc");
	for (size_t i = 0; i < plan->n_mounts; i++)
		plan->mount_trees[i] = clone_tree(plan->mounts[i].source);
	plan->root_tree = plan->root_dir ? clone_tree(plan->root_dir) : -1;
}

/* The outer init's copies, once the sandbox init has its own. */
void trees_close(struct nc_plan *plan)
{
	if (!plan->mount_trees)
		return;
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (plan->mount_trees[i] >= 0)
			close(plan->mount_trees[i]);
	if (plan->root_tree >= 0)
		close(plan->root_tree);
}
