/* The plan: read from the plan fd, parsed strictly per PLAN.md. Any defect is
 * "fail plan: ..." and exit 125; nothing of a bad plan is ever acted on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "nc.h"

#define PLAN_MAGIC "NCPLAN01"
#define PLAN_MAX_BODY (1u << 20)
#define PLAN_MAX_REPEAT 4096

enum {
	T_NAME = 1, T_HOSTNAME = 2, T_ARGV = 3, T_ENV = 4, T_WORKDIR = 5,
	T_UID = 6, T_GID = 7, T_HOST_UID = 8, T_HOST_GID = 9,
	T_ROOT_HOST_BIND = 10, T_ROOT_DIR = 11, T_MOUNT = 12, T_TMPFS = 13,
	T_LANDLOCK = 20, T_SECCOMP_DEFAULT = 21, T_SECCOMP_ARCH = 22, T_SECCOMP_RULE = 23,
	T_NET_MODE = 30, T_PROXY_PORT = 31, T_PROXY_FD = 32,
	T_CGROUP_PROCS = 40, T_RLIMIT = 41, T_PTY = 50, T_CONTAINER = 60, T_END = 65535,
	T_SLOTS = 61, /* counters for tags < 61; END counted separately */
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int is_singular(unsigned tag)
{
	switch (tag) {
	case T_NAME: case T_HOSTNAME: case T_WORKDIR: case T_UID: case T_GID:
	case T_HOST_UID: case T_HOST_GID: case T_ROOT_DIR: case T_LANDLOCK:
	case T_SECCOMP_DEFAULT: case T_NET_MODE: case T_PROXY_PORT: case T_PROXY_FD: case T_PTY:
	case T_CONTAINER:
		return 1;
	default:
		return 0;
	}
}

static int is_known(unsigned tag)
{
	return (tag >= T_NAME && tag <= T_TMPFS) || (tag >= T_LANDLOCK && tag <= T_SECCOMP_RULE) ||
	       (tag >= T_NET_MODE && tag <= T_PROXY_FD) || tag == T_CGROUP_PROCS || tag == T_RLIMIT ||
	       tag == T_PTY || tag == T_CONTAINER;
}

/* A string value: no NUL inside, copied with a terminator. */
static const char *take_string(const uint8_t *p, size_t len, char **out)
{
	if (memchr(p, '\0', len))
		return "string holds NUL";
	*out = malloc(len + 1);
	if (!*out)
		return "out of memory";
	memcpy(*out, p, len);
	(*out)[len] = '\0';
	return NULL;
}

static const char *take_path(const uint8_t *p, size_t len, char **out)
{
	const char *err = take_string(p, len, out);
	if (err)
		return err;
	if ((*out)[0] != '/')
		return "relative path where an absolute one is required";
	return NULL;
}

static const char *grow(void **array, size_t *count, size_t size)
{
	void *n = realloc(*array, (*count + 1) * size);
	if (!n)
		return "out of memory";
	*array = n;
	memset((char *)n + *count * size, 0, size);
	(*count)++;
	return NULL;
}

static const char *take_list_string(const uint8_t *p, size_t len, char ***list, size_t *count, int path)
{
	char *s = NULL;
	const char *err = path ? take_path(p, len, &s) : take_string(p, len, &s);
	if (err) {
		free(s);
		return err;
	}
	/* Keep room for a NULL terminator (and one spare for ENV). */
	char **n = realloc(*list, (*count + 3) * sizeof(char *));
	if (!n) {
		free(s);
		return "out of memory";
	}
	n[(*count)++] = s;
	n[*count] = NULL;
	*list = n;
	return NULL;
}

static const char *need_len(size_t len, size_t want)
{
	return len == want ? NULL : "bad record length";
}

static const char *parse_seccomp_rule(const uint8_t *p, size_t len, struct nc_plan *plan)
{
	struct nc_seccomp_rule *r;
	const char *err;

	if (len < 9)
		return "bad SECCOMP_RULE length";
	if ((err = grow((void **)&plan->seccomp_rules, &plan->n_seccomp_rules, sizeof *r)))
		return err;
	r = &plan->seccomp_rules[plan->n_seccomp_rules - 1];
	r->action = le32(p);
	r->errno_ret = le32(p + 4);
	r->nargs = p[8];
	if (r->action > 5)
		return "bad SECCOMP_RULE action";
	if (r->nargs > 6)
		return "bad SECCOMP_RULE nargs";
	size_t off = 9;
	for (unsigned i = 0; i < r->nargs; i++) {
		if (len - off < 18)
			return "bad SECCOMP_RULE length";
		r->args[i].index = p[off];
		r->args[i].op = p[off + 1];
		r->args[i].value = le64(p + off + 2);
		r->args[i].value_two = le64(p + off + 10);
		if (r->args[i].index > 5)
			return "bad SECCOMP_RULE arg index";
		if (r->args[i].op < 1 || r->args[i].op > 7)
			return "bad SECCOMP_RULE op";
		off += 18;
	}
	if (off == len)
		return "SECCOMP_RULE without a syscall name";
	return take_string(p + off, len - off, &r->name);
}

static const char *parse_record(unsigned tag, const uint8_t *p, size_t len, struct nc_plan *plan)
{
	const char *err;

	switch (tag) {
	case T_NAME:
		return take_string(p, len, &plan->name);
	case T_HOSTNAME:
		if (len > 64)
			return "HOSTNAME too long";
		return take_string(p, len, &plan->hostname);
	case T_ARGV:
		return take_list_string(p, len, &plan->argv, &plan->argc, 0);
	case T_ENV:
		if (!memchr(p, '=', len))
			return "ENV without '='";
		return take_list_string(p, len, &plan->envp, &plan->envc, 0);
	case T_WORKDIR:
		return take_path(p, len, &plan->workdir);
	case T_UID:
		if ((err = need_len(len, 4))) return err;
		plan->uid = le32(p);
		return NULL;
	case T_GID:
		if ((err = need_len(len, 4))) return err;
		plan->gid = le32(p);
		return NULL;
	case T_HOST_UID:
		if ((err = need_len(len, 4))) return err;
		plan->host_uid = le32(p);
		return plan->host_uid == 0 ? "HOST_UID 0 (host root never maps inside)" : NULL;
	case T_HOST_GID:
		if ((err = need_len(len, 4))) return err;
		plan->host_gid = le32(p);
		return NULL;
	case T_ROOT_HOST_BIND:
		return take_list_string(p, len, &plan->root_binds, &plan->n_root_binds, 1);
	case T_ROOT_DIR:
		return take_path(p, len, &plan->root_dir);
	case T_MOUNT: {
		struct nc_mount *m;
		if (len < 5)
			return "bad MOUNT length";
		if ((err = grow((void **)&plan->mounts, &plan->n_mounts, sizeof *m)))
			return err;
		m = &plan->mounts[plan->n_mounts - 1];
		if (p[0] & ~1u)
			return "unknown MOUNT flags";
		m->writable = p[0] & 1;
		uint32_t slen = le32(p + 1);
		if (slen > len - 5 || slen == len - 5)
			return "bad MOUNT source length";
		if ((err = take_path(p + 5, slen, &m->source)))
			return err;
		return take_path(p + 5 + slen, len - 5 - slen, &m->target);
	}
	case T_TMPFS: {
		struct nc_tmpfs *t;
		if (len < 9)
			return "bad TMPFS length";
		if ((err = grow((void **)&plan->tmpfs, &plan->n_tmpfs, sizeof *t)))
			return err;
		t = &plan->tmpfs[plan->n_tmpfs - 1];
		t->size = le64(p);
		return take_path(p + 8, len - 8, &t->target);
	}
	case T_LANDLOCK:
		if ((err = need_len(len, 1))) return err;
		plan->landlock = p[0];
		return plan->landlock > 2 ? "bad LANDLOCK mode" : NULL;
	case T_SECCOMP_DEFAULT:
		if ((err = need_len(len, 8))) return err;
		plan->has_seccomp = 1;
		plan->seccomp_default_action = le32(p);
		plan->seccomp_default_errno = le32(p + 4);
		return plan->seccomp_default_action > 5 ? "bad SECCOMP_DEFAULT action" : NULL;
	case T_SECCOMP_ARCH:
		return take_list_string(p, len, &plan->seccomp_arches, &plan->n_seccomp_arches, 0);
	case T_SECCOMP_RULE:
		return parse_seccomp_rule(p, len, plan);
	case T_NET_MODE:
		if ((err = need_len(len, 1))) return err;
		plan->net_mode = p[0];
		return plan->net_mode > 1 ? "bad NET_MODE" : NULL;
	case T_PROXY_PORT:
		if ((err = need_len(len, 2))) return err;
		plan->has_proxy_port = 1;
		plan->proxy_port = le16(p);
		return NULL;
	case T_PROXY_FD:
		if ((err = need_len(len, 4))) return err;
		plan->proxy_fd = (int)le32(p);
		return plan->proxy_fd < 3 || plan->proxy_fd > 1024 ? "bad PROXY_FD" : NULL;
	case T_PTY:
		if ((err = need_len(len, 1))) return err;
		plan->pty = p[0];
		return plan->pty > 1 ? "bad PTY" : NULL;
	case T_CONTAINER:
		if ((err = need_len(len, 1))) return err;
		plan->container = p[0];
		return plan->container != 1 ? "bad CONTAINER" : NULL;
	case T_CGROUP_PROCS:
		return take_list_string(p, len, &plan->cgroup_procs, &plan->n_cgroup_procs, 1);
	case T_RLIMIT: {
		struct nc_rlimit *r;
		if ((err = need_len(len, 20))) return err;
		if ((err = grow((void **)&plan->rlimits, &plan->n_rlimits, sizeof *r)))
			return err;
		r = &plan->rlimits[plan->n_rlimits - 1];
		r->resource = le32(p);
		r->soft = le64(p + 4);
		r->hard = le64(p + 12);
		if (r->resource >= RLIM_NLIMITS)
			return "bad RLIMIT resource";
		return r->soft > r->hard ? "RLIMIT soft above hard" : NULL;
	}
	}
	return "unknown tag";
}

/* Inside a container the engine built the root, the mounts and the cgroup: a plan that
 * asks the init for a root or a cgroup was meant for the native backend. MOUNT and TMPFS
 * name what the engine mounted; the init only opens them to Landlock. */
static const char *check_container(const struct nc_plan *plan)
{
	if (plan->root_dir || plan->n_root_binds)
		return "CONTAINER with a root (ROOT_DIR/ROOT_HOST_BIND)";
	if (plan->n_cgroup_procs)
		return "CONTAINER with CGROUP_PROCS";
	if (plan->proxy_fd)
		return "CONTAINER with PROXY_FD (the init makes the bridge socket itself)";
	return NULL;
}

static const char *check_complete(const unsigned *seen, const struct nc_plan *plan)
{
	static const struct { unsigned tag; const char *name; } required[] = {
		{T_NAME, "NAME"}, {T_HOSTNAME, "HOSTNAME"}, {T_ARGV, "ARGV"}, {T_WORKDIR, "WORKDIR"},
		{T_UID, "UID"}, {T_GID, "GID"}, {T_HOST_UID, "HOST_UID"}, {T_HOST_GID, "HOST_GID"},
		{T_LANDLOCK, "LANDLOCK"}, {T_NET_MODE, "NET_MODE"},
	};
	static char msg[64];

	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (!seen[required[i].tag]) {
			snprintf(msg, sizeof msg, "missing required record %s", required[i].name);
			return msg;
		}
	}
	if (plan->root_dir && plan->n_root_binds)
		return "ROOT_DIR and ROOT_HOST_BIND are exclusive";
	if (plan->net_mode == 1 && !plan->has_proxy_port)
		return "NET_MODE proxy without PROXY_PORT";
	if (plan->container)
		return check_container(plan);
	if (plan->net_mode == 1 && !plan->proxy_fd)
		return "NET_MODE proxy without PROXY_FD";
	return NULL;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void plan_free(struct nc_plan *plan)
{
	free(plan->name);
	free(plan->hostname);
	free(plan->workdir);
	free(plan->root_dir);
	free_list(plan->argv, plan->argc);
	free_list(plan->envp, plan->envc);
	free_list(plan->root_binds, plan->n_root_binds);
	free_list(plan->seccomp_arches, plan->n_seccomp_arches);
	free_list(plan->cgroup_procs, plan->n_cgroup_procs);
	for (size_t i = 0; i < plan->n_mounts; i++) {
		free(plan->mounts[i].source);
		free(plan->mounts[i].target);
	}
	free(plan->mounts);
	for (size_t i = 0; i < plan->n_tmpfs; i++)
		free(plan->tmpfs[i].target);
	free(plan->tmpfs);
	for (size_t i = 0; i < plan->n_seccomp_rules; i++)
		free(plan->seccomp_rules[i].name);
	free(plan->seccomp_rules);
	free(plan->rlimits);
	free(plan->mount_trees);
	memset(plan, 0, sizeof *plan);
}

const char *plan_parse(const uint8_t *buf, size_t len, struct nc_plan *plan)
{
	static char msg[96];
	unsigned seen[T_SLOTS] = {0};
	const char *err;
	size_t off = 12, end;
	int got_end = 0;

	memset(plan, 0, sizeof *plan);
	if (len < 12 || memcmp(buf, PLAN_MAGIC, 8) != 0)
		return "bad magic";
	uint32_t body = le32(buf + 8);
	if (body > PLAN_MAX_BODY)
		return "body over 1 MiB";
	if (len - 12 != body)
		return "truncated";
	end = 12 + (size_t)body;
	while (off < end) {
		if (got_end)
			return "record after END";
		if (end - off < 6)
			return "record header runs past the body";
		unsigned tag = le16(buf + off);
		uint32_t rlen = le32(buf + off + 2);
		off += 6;
		if (rlen > end - off)
			return "record runs past the body";
		if (tag == T_END) {
			if (rlen != 0)
				return "END with a value";
			got_end = 1;
			continue;
		}
		if (!is_known(tag)) {
			snprintf(msg, sizeof msg, "unknown tag %u", tag);
			return msg;
		}
		if (seen[tag] && is_singular(tag)) {
			snprintf(msg, sizeof msg, "repeated singular record (tag %u)", tag);
			return msg;
		}
		if (++seen[tag] > PLAN_MAX_REPEAT) {
			snprintf(msg, sizeof msg, "more than %d records of tag %u", PLAN_MAX_REPEAT, tag);
			return msg;
		}
		if ((err = parse_record(tag, buf + off, rlen, plan))) {
			snprintf(msg, sizeof msg, "tag %u: %s", tag, err);
			return msg;
		}
		off += rlen;
	}
	if (!got_end)
		return "missing END";
	if (!plan->envp) {
		plan->envp = calloc(2, sizeof(char *));
		if (!plan->envp)
			return "out of memory";
	}
	return check_complete(seen, plan);
}

static int read_exact(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		done += (size_t)n;
	}
	return 1;
}

void plan_read(int fd, struct nc_plan *plan)
{
	uint8_t head[12];
	uint8_t *buf;
	const char *err;
	int r;

	r = read_exact(fd, head, sizeof head);
	if (r < 0)
		die_with_error("plan: read fd %d", fd);
	if (r == 0)
		die("plan: truncated");
	if (memcmp(head, PLAN_MAGIC, 8) != 0)
		die("plan: bad magic");
	uint32_t body = le32(head + 8);
	if (body > PLAN_MAX_BODY)
		die("plan: body over 1 MiB");
	buf = malloc(12 + (size_t)body);
	if (!buf)
		die_with_error("plan: malloc");
	memcpy(buf, head, 12);
	r = read_exact(fd, buf + 12, body);
	if (r < 0)
		die_with_error("plan: read fd %d", fd);
	if (r == 0)
		die("plan: truncated");
	if ((err = plan_parse(buf, 12 + (size_t)body, plan)))
		die("plan: %s", err);
	free(buf);
}
