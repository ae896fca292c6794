/* nemoclaw-init: shared declarations. One file per step; each step is a small
 * function named after what it does, in the order it runs. */
#ifndef NC_H
#define NC_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <signal.h>
#include <poll.h>

#define NC_VERSION "nemoclaw-init 1 (plan NCPLAN01)"
#define NC_EXIT_SETUP 125
#define NC_EXIT_NOEXEC 126
#define NC_EXIT_NOTFOUND 127
#define NC_LANDLOCK_KNOWN_ABI 7

/* status.c: status lines on the status fd (and failures on stderr too). */
void status_set_fd(int fd);
int status_fd(void);
void status_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A status line with fd attached (SCM_RIGHTS; the status fd is then a socket); fd -1: plain. */
void status_line_fd(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "fail STEP: strerror(errno)" then exit 125. */
void die_with_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "fail STEP" then exit 125. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* plan.c */
struct nc_mount {
	int writable;
	char *source;
	char *target;
};
struct nc_tmpfs {
	uint64_t size;
	char *target;
};
struct nc_arg_cmp {
	uint8_t index, op;
	uint64_t value, value_two;
};
struct nc_seccomp_rule {
	uint32_t action, errno_ret;
	uint8_t nargs;
	struct nc_arg_cmp args[6];
	char *name;
};
struct nc_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};
struct nc_plan {
	char *name, *hostname, *workdir;
	char **argv;  /* NULL-terminated */
	size_t argc;
	char **envp;  /* NULL-terminated, one spare slot for NEMOCLAW_LANDLOCK_ABI */
	size_t envc;
	uint32_t uid, gid, host_uid, host_gid;
	char **root_binds;
	size_t n_root_binds;
	char *root_dir;
	struct nc_mount *mounts;
	size_t n_mounts;
	/* Root runs: detached clones of each MOUNT source and of ROOT_DIR made by the outer init
	 * (trees.c), -1 where none; mount_trees NULL when there are none at all. */
	int *mount_trees;
	int root_tree;
	struct nc_tmpfs *tmpfs;
	size_t n_tmpfs;
	uint8_t landlock;    /* 0 off, 1 best-effort, 2 required */
	int has_seccomp;
	uint32_t seccomp_default_action, seccomp_default_errno;
	char **seccomp_arches;
	size_t n_seccomp_arches;
	struct nc_seccomp_rule *seccomp_rules;
	size_t n_seccomp_rules;
	uint8_t net_mode;    /* 0 none, 1 proxy */
	int has_proxy_port;
	uint16_t proxy_port;
	int proxy_fd;        /* inherited SOCK_SEQPACKET socket to the supervisor's proxy; 0 none */
	uint8_t pty;         /* 1: the agent gets a pty, relayed by the outer init; in a
			      * container: the engine's tty on fds 0-2 becomes the agent's */
	uint8_t container;   /* 1: inside a container the engine built (container.c) */
	char **cgroup_procs;
	size_t n_cgroup_procs;
	struct nc_rlimit *rlimits;
	size_t n_rlimits;
};
/* Reads exactly one plan from fd; any defect is "fail plan: ..." and exit 125. */
void plan_read(int fd, struct nc_plan *plan);
/* Parses an in-memory plan (header included); returns NULL or an error message. What it
 * allocated stays in *plan either way (the init exits after its one plan). */
const char *plan_parse(const uint8_t *buf, size_t len, struct nc_plan *plan);
/* Frees what plan_parse allocated (the fuzzer parses many). */
void plan_free(struct nc_plan *plan);

/* probe.c */
int landlock_abi_available(void); /* kernel ABI capped by the test override */
int probe_main(void);

/* ns.c: the outer init. */
struct nc_child {
	pid_t pid;
	int sync_fd;  /* outer's end of the socketpair */
};
void ns_clone_sandbox_init(const struct nc_plan *plan, int plan_fd, struct nc_child *child);
void ns_wait_for_go(int sync_fd);

/* outer.c */
int outer_supervise(const struct nc_plan *plan, int plan_fd, struct nc_child *child);

/* sandbox.c: PID 1 inside. */
void sandbox_init_main(const struct nc_plan *plan, int plan_fd, int sync_fd) __attribute__((noreturn));

/* net.c */
void net_setup(const struct nc_plan *plan);

/* mounts.c */
void mounts_build_root(const struct nc_plan *plan);

/* trees.c */
void trees_open(struct nc_plan *plan);
void trees_close(struct nc_plan *plan);

/* caps.c */
void caps_drop_all(void);
void caps_drop_all_but(int cap); /* -1: none kept; the bounding set is always emptied */
void caps_set_ids(const struct nc_plan *plan);
void caps_lock_down(void); /* NO_NEW_PRIVS, not dumpable */

/* landlock.c: returns the ABI enforced (0 = none). */
int landlock_apply(const struct nc_plan *plan);

/* seccomp.c: returns the number of rules installed. */
int seccomp_apply(const struct nc_plan *plan);

/* bridge.c: 127.0.0.1:PROXY_PORT inside the netns; each accepted connection goes to the
 * supervisor over PROXY_FD with SCM_RIGHTS and the identity of the process that opened it. */
/* -1 when NET_MODE is none. Its "bridge" status line carries hand_fd when >= 0 (container mode:
 * the supervisor's end of the bridge socketpair). */
/* fdpass.c: sendmsg of iov with fd attached (SCM_RIGHTS); sendmsg's result. */
struct iovec;
ssize_t send_fd(int sock, struct iovec *iov, int iovcnt, int fd, int flags);

int bridge_listen(const struct nc_plan *plan, int hand_fd);
/* Accepts connections and hands them to the supervisor over proxy_fd until none is waiting
 * (0) or proxy_fd is full (1: one is kept back; call again once proxy_fd is writable). */
int bridge_pump(int listen_fd, int proxy_fd);
/* peer.c: the one process inside holding the client end of an accepted connection (0: none or
 * several), its executable in exe. */
struct sockaddr_in;
pid_t peer_identify(const struct sockaddr_in *peer, const struct sockaddr_in *self, char *exe,
		    size_t exe_size);

/* pty.c: the agent's terminal when the operator has one. */
struct nc_pty {
	int master, slave;
};
void pty_open(struct nc_pty *pty);            /* PID 1, after the root is built */
void pty_send_master(int sync_fd, int master); /* PID 1 -> outer init */
void pty_attach(int slave);                    /* the agent: slave on 0, 1, 2 as controlling tty */
/* Outer init: the operator's terminal in raw mode, relayed to and from the master. */
struct nc_relay {
	int in, out;
	size_t len, off;
	char buf[16384];
};
void pty_operator_raw(void);
void pty_operator_restore(void);
void pty_sync_winsize(int master);
/* What a relay waits for now: its input when its buffer is empty, else its output. */
struct pollfd relay_pollfd(const struct nc_relay *r);
/* Moves bytes once that pollfd is ready. Returns 0 when the relay has ended (input at EOF
 * or error with nothing left to write, or output gone). */
int relay_step(struct nc_relay *r, short revents);
/* Writes what is buffered and what the input still has ready, without blocking long. */
void relay_drain(struct nc_relay *r);

/* pid1.c */
void pid1_forwarded_signals(sigset_t *set);
int pid1_reap_until(pid_t agent, int sig_fd, int listen_fd, int proxy_fd, int lifeline_fd,
		    int *agent_status); /* 1: the lifeline was lost and the agent killed */

/* container.c: PID 1 of a container the engine built (--container SOCKET). */
int container_main(const char *socket_path);

/* exec.c: the agent, from fork to execve. */
void agent_main(struct nc_plan *plan, int pty_slave) __attribute__((noreturn));

/* ns.c: fork-like clone(2) into new namespaces (no new stack: the child returns here). */
pid_t raw_clone(unsigned long flags);

/* util */
void set_cloexec(int fd);
ssize_t write_all(int fd, const void *buf, size_t len);
void write_file(const char *path, const char *content); /* dies on error */

#endif
