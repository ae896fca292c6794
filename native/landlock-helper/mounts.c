/* The root filesystem. In the new mount namespace:
 *   1. make every mount private (nothing propagates back to the host);
 *   2. mount a staging tmpfs on /tmp and pivot into it: the host root is now /oldroot
 *      (its /tmp uncovered again), and /newroot is built beside it;
 *   3. /newroot: a tmpfs with the ROOT_HOST_BIND dirs bound read-only (symlinks recreated),
 *      or ROOT_DIR bound read-only; /var and /run empty; /proc; a minimal /dev; TMPFS and
 *      MOUNT entries; WORKDIR;
 *   4. pivot into /newroot, detach everything else, remount / read-only, chdir WORKDIR.
 * Sources are opened with openat2(RESOLVE_IN_ROOT) beneath /oldroot and O_NOFOLLOW, targets
 * the same way beneath /newroot, and every mount goes through /proc/self/fd: no path is
 * looked up twice, and no symlink can point a mount outside the sandbox root. Mountpoints are
 * only ever created inside tmpfs mounts made here, never in a host directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/syscall.h>

#include "nc.h"

#define STAGE "/tmp"
#define OLDROOT "/oldroot"
#define NEWROOT "/newroot"

struct build {
	const struct nc_plan *plan;
	int oldroot_fd, newroot_fd;
	dev_t owned[64]; /* tmpfs made here, where mountpoints may be created */
	size_t n_owned;
	dev_t *owned_extra; /* TMPFS entries beyond the first 64 */
	size_t n_owned_extra;
};

/* A path to mount on or from: the fd's magic link in the host /proc. */
static const char *fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, OLDROOT "/proc/self/fd/%d", fd);
	return buf;
}

static int open_beneath(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_PATH | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

static void check_path(const char *what, const char *path)
{
	/* RESOLVE_IN_ROOT already keeps ".." inside; refusing it keeps dirname() honest. */
	if (path[0] != '/' || strcmp(path, "/") == 0)
		die("%s %s: not an absolute path below /", what, path);
	for (const char *p = path; (p = strstr(p, "..")); p += 2) {
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			die("%s %s: '..' in path", what, path);
	}
}

static void own(struct build *b, int fd, const char *what)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die_with_error("stat %s", what);
	if (b->n_owned < sizeof b->owned / sizeof b->owned[0]) {
		b->owned[b->n_owned++] = st.st_dev;
		return;
	}
	dev_t *n = realloc(b->owned_extra, (b->n_owned_extra + 1) * sizeof *n);
	if (!n)
		die_with_error("malloc");
	b->owned_extra = n;
	b->owned_extra[b->n_owned_extra++] = st.st_dev;
}

static int is_owned(const struct build *b, int fd)
{
	struct stat st;
	struct statfs sf;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return 0;
	for (size_t i = 0; i < b->n_owned; i++)
		if (b->owned[i] == st.st_dev)
			return 1;
	for (size_t i = 0; i < b->n_owned_extra; i++)
		if (b->owned_extra[i] == st.st_dev)
			return 1;
	return 0;
}

static char *parent_of(const char *path, const char **base)
{
	char *dir = strdup(path);
	if (!dir)
		die_with_error("strdup");
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	char *slash = strrchr(dir, '/');
	*base = path + (slash - dir) + 1;
	if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* mkdir -p beneath /newroot, creating only inside tmpfs made here. Returns an O_PATH fd. */
static int ensure_dir(struct build *b, const char *path)
{
	int fd = open_beneath(b->newroot_fd, path, O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			die_with_error("mountpoint %s", path);
		return fd;
	}
	const char *base;
	char *dir = parent_of(path, &base);
	int parent = ensure_dir(b, dir);
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "/"), base);
	if (!is_owned(b, parent)) {
		errno = EROFS;
		die_with_error("mkdir %s (only tmpfs mounts of the sandbox get new mountpoints)", path);
	}
	if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
		die_with_error("mkdir %s", path);
	close(parent);
	free(dir);
	fd = open_beneath(b->newroot_fd, path, O_DIRECTORY);
	if (fd < 0)
		die_with_error("mountpoint %s", path);
	return fd;
}

/* The mountpoint for a target: a directory, or an empty file for a non-directory source. */
static int mountpoint(struct build *b, const char *target, int want_dir)
{
	struct stat st;
	int fd;

	fd = open_beneath(b->newroot_fd, target, 0);
	if (fd < 0 && errno != ENOENT)
		die_with_error("mountpoint %s", target);
	if (fd < 0 && want_dir)
		return ensure_dir(b, target);
	if (fd < 0) {
		const char *base;
		char *dir = parent_of(target, &base);
		int parent = ensure_dir(b, dir);
		if (!is_owned(b, parent)) {
			errno = EROFS;
			die_with_error("create %s (only tmpfs mounts of the sandbox get new mountpoints)", target);
		}
		int f = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (f < 0)
			die_with_error("create %s", target);
		close(f);
		close(parent);
		free(dir);
		fd = open_beneath(b->newroot_fd, target, 0);
		if (fd < 0)
			die_with_error("mountpoint %s", target);
	}
	if (fstat(fd, &st) < 0)
		die_with_error("stat %s", target);
	if (S_ISLNK(st.st_mode))
		die("mountpoint %s: is a symlink", target);
	if (!!S_ISDIR(st.st_mode) != !!want_dir)
		die("mountpoint %s: %s", target, want_dir ? "not a directory" : "is a directory");
	return fd;
}

static int open_source(struct build *b, const char *source, struct stat *st)
{
	int fd = open_beneath(b->oldroot_fd, source, 0);

	if (fd < 0)
		die_with_error("open %s", source);
	if (fstat(fd, st) < 0)
		die_with_error("stat %s", source);
	return fd;
}

/* Read-only (and nosuid, nodev) for the mount at fd. mount_setattr changes only the named
 * flags, so flags the kernel locked when the host mounts were copied into this user
 * namespace (noexec, atime, ...) are kept. Older kernels: remount, OR-ing in what
 * statvfs says is already set, or the remount fails with EPERM. */
static void make_readonly(int fd, const char *what, int recursive, int extra_flags, const char *remount_path)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	char path[64];
	struct statvfs sv;

	if (extra_flags & MS_NOEXEC)
		attr.attr_set |= MOUNT_ATTR_NOEXEC;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) == 0)
		return;
	if (errno != ENOSYS)
		die_with_error("read-only %s", what);
	if (fstatvfs(fd, &sv) < 0)
		die_with_error("statvfs %s", what);
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | (unsigned long)extra_flags;
	if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
	if (mount(NULL, remount_path ? remount_path : fd_path(path, sizeof path, fd), NULL, flags, NULL) < 0)
		die_with_error("remount read-only %s", what);
}

/* The mount now on top of target (fd opened before the mount sees what is beneath). */
static int reopen(struct build *b, const char *target)
{
	int fd = open_beneath(b->newroot_fd, target, 0);
	if (fd < 0)
		die_with_error("reopen %s", target);
	return fd;
}

enum bind_kind { BIND_RO, BIND_RW, BIND_DEVICE };

/* src_fd: a source opened here (bind mount), or with tree set a detached clone the outer init
 * made (trees.c), moved into place. */
static void bind(struct build *b, int src_fd, int tree, const char *source, const char *target, int dir,
		 enum bind_kind kind)
{
	char sp[64], tp[64];
	int tfd = mountpoint(b, target, dir);
	int rc = tree ? (int)syscall(SYS_move_mount, src_fd, "", tfd, "",
				     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
		      : mount(fd_path(sp, sizeof sp, src_fd), fd_path(tp, sizeof tp, tfd), NULL, MS_BIND | MS_REC, NULL);

	if (rc < 0)
		die_with_error("mount %s on %s", source, target);
	close(tfd);
	tfd = reopen(b, target);
	if (kind != BIND_RO) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID};
		if (kind == BIND_RW)
			attr.attr_set |= MOUNT_ATTR_NODEV;
		if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0 &&
		    errno != ENOSYS)
			die_with_error("nosuid %s", target);
	} else {
		make_readonly(tfd, target, 1, 0, NULL);
	}
	close(tfd);
}

static void mount_tmpfs(struct build *b, const char *target, const char *opts, unsigned long flags)
{
	char tp[64];
	int tfd = ensure_dir(b, target);

	if (mount("tmpfs", fd_path(tp, sizeof tp, tfd), "tmpfs", flags, opts) < 0)
		die_with_error("mount tmpfs %s", target);
	close(tfd);
	tfd = reopen(b, target);
	own(b, tfd, target);
	close(tfd);
}

static void make_symlink(struct build *b, const char *target, const char *link)
{
	const char *base;
	char *dir = parent_of(target, &base);
	int parent = ensure_dir(b, dir);

	if (!is_owned(b, parent)) {
		errno = EROFS;
		die_with_error("symlink %s", target);
	}
	if (symlinkat(link, parent, base) < 0)
		die_with_error("symlink %s -> %s", target, link);
	close(parent);
	free(dir);
}

static void enter_staging(struct build *b)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_with_error("make / private");
	if (mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
		die_with_error("mount staging tmpfs on " STAGE);
	if (mkdir(STAGE OLDROOT, 0755) < 0 || mkdir(STAGE NEWROOT, 0755) < 0)
		die_with_error("mkdir staging dirs");
	if (syscall(SYS_pivot_root, STAGE, STAGE OLDROOT) < 0)
		die_with_error("pivot_root into staging");
	if (chdir("/") < 0)
		die_with_error("chdir /");
	b->oldroot_fd = open(OLDROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->oldroot_fd < 0)
		die_with_error("open " OLDROOT);
}

static void root_from_host_binds(struct build *b)
{
	const struct nc_plan *plan = b->plan;

	if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
		die_with_error("mount root tmpfs");
	b->newroot_fd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->newroot_fd < 0)
		die_with_error("open " NEWROOT);
	own(b, b->newroot_fd, "/");

	for (size_t i = 0; i < plan->n_root_binds; i++) {
		const char *path = plan->root_binds[i];
		struct stat st;
		check_path("root bind", path);
		int sfd = open_source(b, path, &st);
		if (S_ISLNK(st.st_mode)) {
			/* merged /usr: /bin -> usr/bin is recreated, not followed */
			char link[4096];
			ssize_t n = readlinkat(sfd, "", link, sizeof link - 1);
			if (n < 0)
				die_with_error("readlink %s", path);
			link[n] = '\0';
			make_symlink(b, path, link);
		} else {
			bind(b, sfd, 0, path, path, S_ISDIR(st.st_mode), BIND_RO);
		}
		close(sfd);
	}
}

static void root_from_dir(struct build *b)
{
	struct stat st;
	char sp[64];
	int tree = b->plan->mount_trees && b->plan->root_tree >= 0;
	int sfd = tree ? b->plan->root_tree : open_source(b, b->plan->root_dir, &st);

	if (tree && fstat(sfd, &st) < 0)
		die_with_error("stat %s", b->plan->root_dir);
	if (!S_ISDIR(st.st_mode))
		die("root %s: not a directory", b->plan->root_dir);
	int rc = tree ? (int)syscall(SYS_move_mount, sfd, "", AT_FDCWD, NEWROOT, MOVE_MOUNT_F_EMPTY_PATH)
		      : mount(fd_path(sp, sizeof sp, sfd), NEWROOT, NULL, MS_BIND | MS_REC, NULL);
	if (rc < 0)
		die_with_error("mount %s on /", b->plan->root_dir);
	close(sfd);
	b->newroot_fd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->newroot_fd < 0)
		die_with_error("open " NEWROOT);
	make_readonly(b->newroot_fd, "/", 1, 0, NULL);
}

static int planned_elsewhere(const struct nc_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n_root_binds; i++)
		if (strcmp(plan->root_binds[i], path) == 0)
			return 1;
	for (size_t i = 0; i < plan->n_tmpfs; i++)
		if (strcmp(plan->tmpfs[i].target, path) == 0)
			return 1;
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (strcmp(plan->mounts[i].target, path) == 0)
			return 1;
	return 0;
}

static void empty_var_run(struct build *b)
{
	static const char *const dirs[] = {"/var", "/run"};

	if (b->plan->root_dir)
		return; /* an image keeps its own /var and /run */
	for (size_t i = 0; i < 2; i++)
		if (!planned_elsewhere(b->plan, dirs[i]))
			mount_tmpfs(b, dirs[i], "mode=0755,size=16m", MS_NOSUID | MS_NODEV);
}

static void mount_proc(struct build *b)
{
	char tp[64];
	int tfd = ensure_dir(b, "/proc");

	/* proc of the new pid namespace: only the sandbox's processes. */
	if (mount("proc", fd_path(tp, sizeof tp, tfd), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die_with_error("mount /proc");
	close(tfd);
}

static void mount_dev(struct build *b)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"/dev/fd", "/proc/self/fd"}, {"/dev/stdin", "/proc/self/fd/0"},
		{"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"},
		{"/dev/ptmx", "pts/ptmx"},
	};
	char tp[64], path[64];

	mount_tmpfs(b, "/dev", "mode=0755,size=64k", MS_NOSUID | MS_NOEXEC);
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		struct stat st;
		snprintf(path, sizeof path, "/dev/%s", nodes[i]);
		int sfd = open_source(b, path, &st);
		if (!S_ISCHR(st.st_mode))
			die("%s: not a character device on the host", path);
		bind(b, sfd, 0, path, path, 0, BIND_DEVICE);
		close(sfd);
	}
	int tfd = ensure_dir(b, "/dev/pts");
	if (mount("devpts", fd_path(tp, sizeof tp, tfd), "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		die_with_error("mount /dev/pts");
	close(tfd);
	mount_tmpfs(b, "/dev/shm", "mode=1777,size=64m", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		make_symlink(b, links[i][0], links[i][1]);
	/* Nothing new can appear in /dev. */
	tfd = reopen(b, "/dev");
	make_readonly(tfd, "/dev", 0, MS_NOEXEC, NULL);
	close(tfd);
}

static void mount_tmpfs_entries(struct build *b)
{
	char opts[64];

	for (size_t i = 0; i < b->plan->n_tmpfs; i++) {
		const struct nc_tmpfs *t = &b->plan->tmpfs[i];
		check_path("tmpfs", t->target);
		if (t->size)
			snprintf(opts, sizeof opts, "mode=1777,size=%llu", (unsigned long long)t->size);
		else
			snprintf(opts, sizeof opts, "mode=1777");
		mount_tmpfs(b, t->target, opts, MS_NOSUID | MS_NODEV);
	}
}

static void mount_entries(struct build *b)
{
	for (size_t i = 0; i < b->plan->n_mounts; i++) {
		const struct nc_mount *m = &b->plan->mounts[i];
		struct stat st;
		check_path("mount", m->source);
		check_path("mount", m->target);
		int tree = b->plan->mount_trees && b->plan->mount_trees[i] >= 0;
		int sfd = tree ? b->plan->mount_trees[i] : open_source(b, m->source, &st);
		if (tree && fstat(sfd, &st) < 0)
			die_with_error("stat %s", m->source);
		if (S_ISLNK(st.st_mode))
			die("mount %s: source is a symlink", m->source);
		bind(b, sfd, tree, m->source, m->target, S_ISDIR(st.st_mode), m->writable ? BIND_RW : BIND_RO);
		close(sfd);
	}
}

static void make_workdir(struct build *b)
{
	if (strcmp(b->plan->workdir, "/") != 0) {
		check_path("workdir", b->plan->workdir);
		close(ensure_dir(b, b->plan->workdir));
	}
}

static void enter_new_root(struct build *b)
{
	if (umount2(OLDROOT, MNT_DETACH) < 0)
		die_with_error("umount " OLDROOT);
	if (chdir(NEWROOT) < 0)
		die_with_error("chdir " NEWROOT);
	/* pivot_root(".", "."): the staging root ends up stacked on top, then goes away. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_with_error("pivot_root into the sandbox root");
	if (umount2(".", MNT_DETACH) < 0)
		die_with_error("umount staging root");
	if (chdir("/") < 0)
		die_with_error("chdir /");
	int rfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		die_with_error("open /");
	make_readonly(rfd, "/", 0, 0, "/");
	close(rfd);
	close(b->newroot_fd);
	close(b->oldroot_fd);
	if (chdir(b->plan->workdir) < 0)
		die_with_error("chdir %s", b->plan->workdir);
}

void mounts_build_root(const struct nc_plan *plan)
{
	struct build b = {.plan = plan, .oldroot_fd = -1, .newroot_fd = -1};

	enter_staging(&b);
	if (plan->root_dir)
		root_from_dir(&b);
	else
		root_from_host_binds(&b);
	empty_var_run(&b);
	mount_proc(&b);
	mount_dev(&b);
	mount_tmpfs_entries(&b);
	mount_entries(&b);
	make_workdir(&b);
	enter_new_root(&b);
	free(b.owned_extra);
}
