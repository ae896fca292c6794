/*
 * Escape probe: run inside a nemoclaw sandbox, it tries to break out in every way named in
 * issue 3 and prints one line per attempt:
 *
 *   blocked NAME: how it was stopped (errno name or signal)
 *   ESCAPED NAME: what succeeded
 *
 * Each attempt runs in a forked child so a seccomp kill ends only that attempt. The JUnit suite
 * (EscapeIT) asserts that every attempt is present, blocked, and blocked for the expected reason.
 * Usage: probe [NAME...] (default: every attempt). Some attempts take an argument after '=':
 *   host-loopback=PORT  abstract-unix=NAME  env-secret=VARNAME  proxy-host-loopback=PORT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/keyctl.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

extern char **environ;

static const char *arg; /* the value after '=' */

/* An attempt returns 0 when blocked (having printed why), 1 when it escaped. */
static int blocked(const char *name, const char *why)
{
	printf("blocked %s: %s\n", name, why);
	return 0;
}

static int escaped(const char *name, const char *what)
{
	printf("ESCAPED %s: %s\n", name, what);
	return 1;
}

/* The result of a syscall-like call: -1 with errno is "blocked by errno". */
static int expect_fail(const char *name, long rc, const char *what)
{
	if (rc < 0)
		return blocked(name, strerrorname_np(errno) ? strerrorname_np(errno) : "error");
	return escaped(name, what);
}

static int try_write(const char *name, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return blocked(name, strerrorname_np(errno));
	ssize_t w = write(fd, "x", 1);
	int e = errno;
	close(fd);
	if (w < 0)
		return blocked(name, strerrorname_np(e));
	return escaped(name, path);
}

static int try_mkdir(const char *name, const char *path)
{
	if (mkdir(path, 0755) < 0)
		return blocked(name, strerrorname_np(errno));
	rmdir(path);
	return escaped(name, path);
}

static int a_write_root(const char *n) { return try_write(n, "/escape-probe"); }
static int a_write_usr(const char *n) { return try_write(n, "/usr/escape-probe"); }
static int a_write_etc(const char *n) { return try_write(n, "/etc/passwd"); }
static int a_write_bin(const char *n) { return try_write(n, "/usr/bin/sh"); }
static int a_mkdir_root(const char *n) { return try_mkdir(n, "/escape-dir"); }
static int a_write_proc_sys(const char *n) { return try_write(n, "/proc/sys/kernel/hostname"); }
static int a_sysrq(const char *n) { return try_write(n, "/proc/sysrq-trigger"); }
static int a_proc_self_exe(const char *n)
{
	int fd = open("/proc/self/exe", O_WRONLY);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	close(fd);
	return escaped(n, "opened /proc/self/exe for writing");
}
static int a_write_sys(const char *n)
{
	struct stat st;
	if (stat("/sys", &st) < 0 && errno == ENOENT)
		return try_mkdir(n, "/sys"); /* no sysfs inside: creating one must fail too */
	return try_write(n, "/sys/kernel/uevent_helper");
}

static int read_dir(const char *n, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return blocked(n, strerrorname_np(errno));
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	char buf[4096];
	long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
	close(fd);
	/* an empty dir has exactly "." and ".." (48 bytes or so); anything more is host data */
	if (r < 0)
		return blocked(n, strerrorname_np(errno));
	if (r <= 48)
		return blocked(n, "empty");
	return escaped(n, path);
}
static int a_read_root_home(const char *n) { return read_dir(n, "/root"); }
static int a_read_home(const char *n) { return read_dir(n, "/home"); }

static int a_hardlink(const char *n)
{
	/* /etc/passwd is on a read-only bind; a hard link into a writable area must fail */
	const char *dst = getenv("PROBE_RW") ? getenv("PROBE_RW") : "/tmp";
	char path[512];
	snprintf(path, sizeof path, "%s/passwd-link", dst);
	if (link("/etc/passwd", path) < 0)
		return blocked(n, strerrorname_np(errno));
	unlink(path);
	return escaped(n, "hard link to /etc/passwd created");
}

static int a_symlink_out(const char *n)
{
	/* a symlink planted by the host that points at a host secret resolves inside the sandbox */
	const char *p = getenv("PROBE_SYMLINK");
	if (!p)
		return blocked(n, "no PROBE_SYMLINK set (nothing to test)");
	char buf[64];
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	ssize_t r = read(fd, buf, sizeof buf);
	close(fd);
	if (r > 0)
		return escaped(n, "read through a symlink to the host");
	return blocked(n, "empty");
}

static int a_raw_device(const char *n)
{
	const char *devs[] = {"/dev/sda", "/dev/vda", "/dev/mem", "/dev/kmem", "/dev/port"};
	for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
		int fd = open(devs[i], O_RDONLY);
		if (fd >= 0) {
			close(fd);
			return escaped(n, devs[i]);
		}
	}
	return blocked(n, strerrorname_np(errno));
}

static int a_mknod(const char *n)
{
	return expect_fail(n, mknod("/tmp/probe-null", S_IFCHR | 0666, makedev(1, 3)), "mknod");
}
static int a_mount(const char *n) { return expect_fail(n, mount("none", "/tmp", "tmpfs", 0, NULL), "mounted tmpfs"); }
static int a_umount(const char *n) { return expect_fail(n, umount2("/proc", MNT_DETACH), "umounted /proc"); }
static int a_chroot(const char *n) { return expect_fail(n, chroot("/tmp"), "chroot"); }
static int a_pivot_root(const char *n) { return expect_fail(n, syscall(SYS_pivot_root, "/tmp", "/tmp"), "pivot_root"); }
static int a_fsopen(const char *n) { return expect_fail(n, syscall(SYS_fsopen, "tmpfs", 0), "fsopen"); }
static int a_open_tree(const char *n) { return expect_fail(n, syscall(SYS_open_tree, AT_FDCWD, "/", 1), "open_tree"); }
static int a_unshare_user(const char *n) { return expect_fail(n, unshare(CLONE_NEWUSER), "new user namespace"); }
static int a_unshare_net(const char *n) { return expect_fail(n, unshare(CLONE_NEWNET), "new net namespace"); }
static int a_clone_newuser(const char *n)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid(r, NULL, 0);
		return escaped(n, "clone(CLONE_NEWUSER)");
	}
	return blocked(n, strerrorname_np(errno));
}
static int a_setns(const char *n)
{
	/* PID 1's namespace when it can be opened, else our own: the call itself must be refused */
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	if (fd < 0)
		fd = open("/proc/self/ns/mnt", O_RDONLY);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	return expect_fail(n, setns(fd, 0), "setns into a mount namespace");
}

static int a_ptrace_pid1(const char *n) { return expect_fail(n, ptrace(PTRACE_ATTACH, 1, 0, 0), "attached to PID 1"); }
static int a_ptrace_sibling(const char *n)
{
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	long r = ptrace(PTRACE_ATTACH, c, 0, 0);
	int e = errno;
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	errno = e;
	return expect_fail(n, r, "attached to a sibling");
}
static int a_process_vm(const char *n)
{
	char buf[8];
	struct iovec l = {buf, sizeof buf}, r = {buf, sizeof buf};
	return expect_fail(n, syscall(SYS_process_vm_readv, 1, &l, 1, &r, 1, 0), "process_vm_readv on PID 1");
}

static int a_bpf(const char *n)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return expect_fail(n, syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr), "bpf map created");
}
static int a_perf(const char *n)
{
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof pe);
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof pe;
	pe.config = PERF_COUNT_SW_CPU_CLOCK;
	return expect_fail(n, syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0), "perf_event_open");
}
static int a_keyctl(const char *n)
{
	return expect_fail(n, syscall(SYS_add_key, "user", "probe", "x", 1, KEY_SPEC_PROCESS_KEYRING), "add_key");
}
static int a_io_uring(const char *n)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	return expect_fail(n, syscall(SYS_io_uring_setup, 4, &p), "io_uring_setup");
}
static int a_userfaultfd(const char *n) { return expect_fail(n, syscall(SYS_userfaultfd, 0), "userfaultfd"); }
static int a_init_module(const char *n) { return expect_fail(n, syscall(SYS_init_module, "", 0, ""), "init_module"); }
static int a_finit_module(const char *n) { return expect_fail(n, syscall(SYS_finit_module, 0, "", 0), "finit_module"); }
static int a_kexec(const char *n) { return expect_fail(n, syscall(SYS_kexec_load, 0, 0, 0, 0), "kexec_load"); }

static int a_tiocsti(const char *n)
{
	char c = 'x';
	int fd = open("/dev/tty", O_RDWR);
	if (fd < 0)
		fd = 0;
	return expect_fail(n, ioctl(fd, TIOCSTI, &c), "TIOCSTI");
}
static int a_tiocsti_high(const char *n)
{
	char c = 'x';
	/* CVE-2019-10063: the high 32 bits must not let TIOCSTI past a filter */
	return expect_fail(n, syscall(SYS_ioctl, 0, 0x100000000UL | TIOCSTI, &c), "TIOCSTI with high bits");
}
static int a_tioclinux(const char *n)
{
	char c = 2;
	return expect_fail(n, ioctl(0, TIOCLINUX, &c), "TIOCLINUX");
}

static int sock(const char *n, int d, int t, int p, const char *what)
{
	int fd = socket(d, t, p);
	if (fd >= 0)
		close(fd);
	return expect_fail(n, fd, what);
}
static int a_raw_socket(const char *n) { return sock(n, AF_INET, SOCK_RAW, IPPROTO_ICMP, "raw socket"); }
static int a_raw6_socket(const char *n) { return sock(n, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "raw IPv6 socket"); }
static int a_packet_socket(const char *n) { return sock(n, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "packet socket"); }
static int a_netlink_socket(const char *n) { return sock(n, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, "netlink audit socket"); }
static int a_vsock(const char *n) { return sock(n, AF_VSOCK, SOCK_STREAM, 0, "vsock socket"); }

/*
 * True when this network namespace can route anywhere beyond loopback. The outbound attempts
 * check this first and never send when it is true: the probe must not put a packet on a real
 * network even when a sandbox is broken (the test then fails on the route alone).
 */
static int has_route(int family)
{
	FILE *f = fopen(family == AF_INET6 ? "/proc/net/ipv6_route" : "/proc/net/route", "r");
	if (!f)
		return 0;
	char line[512];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		char dev[64] = "";
		if (family == AF_INET6) {
			/* last field is the device; loopback's local routes are fine */
			char *last = strrchr(line, ' ');
			sscanf(last ? last : line, "%63s", dev);
		} else if (sscanf(line, "%63s", dev) != 1 || !strcmp(dev, "Iface")) {
			continue;
		}
		if (dev[0] && strcmp(dev, "lo"))
			found = 1;
	}
	fclose(f);
	return found;
}

static int try_connect(const char *n, int family, const struct sockaddr *sa, socklen_t len, int type)
{
	if (family != AF_UNIX && has_route(family))
		return escaped(n, "a route beyond loopback exists (nothing sent)");
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	struct timeval tv = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int r;
	if (type == SOCK_DGRAM)
		r = (int)sendto(fd, "x", 1, 0, sa, len);
	else
		r = connect(fd, sa, len);
	int e = errno;
	close(fd);
	errno = e;
	return expect_fail(n, r, "connected/sent");
}
static int a_tcp_out(const char *n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);
	return try_connect(n, AF_INET, (struct sockaddr *)&a, sizeof a, SOCK_STREAM);
}
static int a_udp_out(const char *n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, "8.8.8.8", &a.sin_addr);
	return try_connect(n, AF_INET, (struct sockaddr *)&a, sizeof a, SOCK_DGRAM);
}
static int a_tcp6_out(const char *n)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(80)};
	inet_pton(AF_INET6, "2606:4700:4700::1111", &a.sin6_addr);
	return try_connect(n, AF_INET6, (struct sockaddr *)&a, sizeof a, SOCK_STREAM);
}
static int a_dns(const char *n)
{
	struct addrinfo *res = NULL;
	int r = getaddrinfo("example.com", "80", NULL, &res);
	if (r == 0) {
		freeaddrinfo(res);
		return escaped(n, "resolved example.com");
	}
	return blocked(n, gai_strerror(r));
}
static int a_host_loopback(const char *n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(arg ? atoi(arg) : 22)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	int r = connect(fd, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	close(fd);
	errno = e;
	return expect_fail(n, r, "connected to a loopback service");
}
/* Nothing but 0-2 is inherited: in particular not the bridge's socket to the supervisor. */
static int a_inherited_fds(const char *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char found[64] = "";
	if (!d)
		return blocked(n, strerrorname_np(errno));
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d))
			snprintf(found, sizeof found, "fd %d is open", fd);
	}
	closedir(d);
	return found[0] ? escaped(n, found) : blocked(n, "only 0-2 open");
}
/* PID 1 holds the bridge's socket: its fds must be out of reach. */
static int a_pid1_fds(const char *n)
{
	DIR *d = opendir("/proc/1/fd");
	if (!d)
		return blocked(n, strerrorname_np(errno));
	closedir(d);
	return escaped(n, "listed PID 1's fds");
}
/* Through the proxy to a service on the host's loopback: the SSRF guard must refuse it. */
static int a_proxy_host_loopback(const char *n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(3128)};
	char req[256], resp[64] = "";
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		return blocked(n, strerrorname_np(e));
	}
	snprintf(req, sizeof req, "GET http://127.0.0.1:%s/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
		 arg ? arg : "22");
	ssize_t w = write(fd, req, strlen(req));
	ssize_t r = w > 0 ? read(fd, resp, sizeof resp - 1) : -1;
	close(fd);
	if (r <= 0)
		return blocked(n, "connection closed");
	resp[r] = 0;
	if (strncmp(resp, "HTTP/1.1 403", 12) == 0)
		return blocked(n, "403 from the proxy");
	return escaped(n, resp);
}
static int a_abstract_unix(const char *n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const char *name = arg ? arg : "nemoclaw-probe";
	size_t l = strlen(name);
	if (l > sizeof a.sun_path - 2)
		l = sizeof a.sun_path - 2;
	memcpy(a.sun_path + 1, name, l);
	return try_connect(n, AF_UNIX, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + l), SOCK_STREAM);
}

static int a_env_secret(const char *n)
{
	const char *var = arg ? arg : "NEMOCLAW_PROBE_SECRET";
	for (char **e = environ; *e; e++)
		if (strstr(*e, var) || strstr(*e, "probe-secret-value"))
			return escaped(n, *e);
	return blocked(n, "absent");
}

static int a_setuid_root(const char *n) { return expect_fail(n, setuid(0), "setuid(0)"); }
static int a_caps(const char *n)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7) || !strncmp(line, "CapBnd:", 7))
			if (strtoull(line + 8, NULL, 16) != 0) {
				fclose(f);
				line[strcspn(line, "\n")] = 0;
				return escaped(n, line);
			}
	if (f)
		fclose(f);
	return blocked(n, "no capabilities");
}

static int a_fork_bomb(const char *n)
{
	/* forks until refused; a pids limit must stop it well short of the host's limit */
	int count = 0;
	for (; count < 100000; count++) {
		pid_t c = fork();
		if (c < 0)
			break;
		if (c == 0) {
			/* dies with this attempt, so the bomb ends when the attempt does */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			pause();
			_exit(0);
		}
	}
	int e = errno;
	if (count >= 100000)
		return escaped(n, "100000 forks allowed");
	char why[64];
	snprintf(why, sizeof why, "%s after %d forks", strerrorname_np(e), count);
	return blocked(n, why);
}

static int a_memory_bomb(const char *n)
{
	/* touches memory until stopped; the cgroup's OOM killer ends it (SIGKILL) */
	size_t total = 0, chunk = 64 << 20;
	for (int i = 0; i < 1024; i++) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return blocked(n, strerrorname_np(errno));
		memset(p, 1, chunk);
		total += chunk;
	}
	char what[64];
	snprintf(what, sizeof what, "%zu MiB allocated", total >> 20);
	return escaped(n, what);
}

static int a_fill_tmp(const char *n)
{
	int fd = open("/tmp/probe-fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return blocked(n, strerrorname_np(errno));
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	long mb = 0;
	for (; mb < 8192; mb++)
		if (write(fd, buf, sizeof buf) < 0)
			break;
	int e = errno;
	close(fd);
	unlink("/tmp/probe-fill");
	if (mb >= 8192)
		return escaped(n, "wrote 8 GiB to /tmp");
	char why[64];
	snprintf(why, sizeof why, "%s after %ld MiB", strerrorname_np(e), mb);
	return blocked(n, why);
}

struct attempt {
	const char *name;
	int (*fn)(const char *);
};

static const struct attempt attempts[] = {
	{"write-root", a_write_root}, {"mkdir-root", a_mkdir_root}, {"write-usr", a_write_usr},
	{"write-etc", a_write_etc}, {"write-bin", a_write_bin}, {"write-proc-sys", a_write_proc_sys},
	{"sysrq-trigger", a_sysrq}, {"write-proc-self-exe", a_proc_self_exe}, {"write-sys", a_write_sys},
	{"read-root-home", a_read_root_home}, {"read-home", a_read_home}, {"hardlink-out", a_hardlink},
	{"symlink-out", a_symlink_out}, {"raw-device", a_raw_device}, {"mknod", a_mknod},
	{"mount", a_mount}, {"umount", a_umount}, {"chroot", a_chroot}, {"pivot-root", a_pivot_root},
	{"fsopen", a_fsopen}, {"open-tree", a_open_tree}, {"unshare-user", a_unshare_user},
	{"unshare-net", a_unshare_net}, {"clone-newuser", a_clone_newuser}, {"setns", a_setns},
	{"ptrace-pid1", a_ptrace_pid1}, {"ptrace-sibling", a_ptrace_sibling},
	{"process-vm-readv", a_process_vm}, {"bpf", a_bpf}, {"perf-event-open", a_perf},
	{"keyctl", a_keyctl}, {"io-uring", a_io_uring}, {"userfaultfd", a_userfaultfd},
	{"init-module", a_init_module}, {"finit-module", a_finit_module}, {"kexec", a_kexec},
	{"tiocsti", a_tiocsti}, {"tiocsti-high-bits", a_tiocsti_high}, {"tioclinux", a_tioclinux},
	{"raw-socket", a_raw_socket}, {"raw6-socket", a_raw6_socket}, {"packet-socket", a_packet_socket},
	{"netlink-socket", a_netlink_socket}, {"vsock", a_vsock}, {"tcp-out", a_tcp_out},
	{"udp-out", a_udp_out}, {"tcp6-out", a_tcp6_out}, {"dns", a_dns},
	{"host-loopback", a_host_loopback}, {"abstract-unix", a_abstract_unix},
	{"inherited-fds", a_inherited_fds}, {"pid1-fds", a_pid1_fds},
	{"proxy-host-loopback", a_proxy_host_loopback},
	{"env-secret", a_env_secret}, {"setuid-root", a_setuid_root}, {"capabilities", a_caps},
	{"fork-bomb", a_fork_bomb}, {"memory-bomb", a_memory_bomb}, {"fill-tmp", a_fill_tmp},
};

static const int n_attempts = sizeof attempts / sizeof *attempts;

/* Runs one attempt in its own process (and group), so a kill or a bomb ends only it. */
static int run(const struct attempt *a)
{
	fflush(stdout);
	pid_t c = fork();
	if (c < 0) {
		printf("ESCAPED %s: probe could not fork (%s)\n", a->name, strerrorname_np(errno));
		return 1;
	}
	if (c == 0) {
		setpgid(0, 0);
		signal(SIGKILL, SIG_DFL);
		_exit(a->fn(a->name) ? 1 : 0);
	}
	int st;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	fflush(stdout);
	if (WIFSIGNALED(st)) {
		printf("blocked %s: killed by signal %d\n", a->name, WTERMSIG(st));
		return 0;
	}
	return WEXITSTATUS(st) != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int escapes = 0;
	if (argc < 2) {
		for (int i = 0; i < n_attempts; i++)
			escapes += run(&attempts[i]);
		return escapes ? 1 : 0;
	}
	for (int j = 1; j < argc; j++) {
		char name[128];
		snprintf(name, sizeof name, "%s", argv[j]);
		char *eq = strchr(name, '=');
		arg = NULL;
		if (eq) {
			*eq = 0;
			arg = argv[j] + (eq - name) + 1;
		}
		int found = 0;
		for (int i = 0; i < n_attempts; i++)
			if (!strcmp(attempts[i].name, name)) {
				escapes += run(&attempts[i]);
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "probe: unknown attempt %s\n", name);
			return 2;
		}
	}
	return escapes ? 1 : 0;
}
