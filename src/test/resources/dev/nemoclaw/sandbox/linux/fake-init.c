/*
 * A stand-in for nemoclaw-init, compiled by the tests: it speaks the fd protocol of PLAN.md
 * (plan on fd 3 kept open as the lifeline, status lines on fd 4) but builds no sandbox. It joins
 * the plan's cgroups, then forks and execs the plan's ARGV, reporting like the real init.
 * Extra "note" lines tell the tests what the init saw (fds, signal mask, lifeline).
 * ARGV[0] == "@fail" makes it report a setup failure instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *st;
static pid_t child;

static void fwd(int sig) { if (child > 0) kill(child, sig); }

static uint32_t u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static int readall(int fd, unsigned char *buf, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t r = read(fd, buf + off, n - off);
    if (r <= 0) return -1;
    off += r;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5 || strcmp(argv[1], "--plan-fd") || strcmp(argv[2], "3") ||
      strcmp(argv[3], "--status-fd") || strcmp(argv[4], "4"))
    return 125;
  st = fdopen(4, "w");
  setvbuf(st, NULL, _IOLBF, 0);
  /* what we inherited */
  int leaked = 0;
  for (int fd = 5; fd < 1024; fd++)
    if (fcntl(fd, F_GETFD) != -1) leaked++;
  fprintf(st, "note fds-above-4 %d\n", leaked);
  sigset_t mask;
  sigprocmask(SIG_SETMASK, NULL, &mask);
  int blocked = 0;
  for (int s = 1; s < 32; s++) if (sigismember(&mask, s)) blocked++;
  fprintf(st, "note blocked %d\n", blocked);
  fprintf(st, "note env %s\n", environ[0] ? "some" : "none");

  unsigned char head[12];
  if (readall(3, head, 12) || memcmp(head, "NCPLAN01", 8)) { fprintf(st, "fail plan: bad magic\n"); return 125; }
  uint32_t len = u32(head + 8);
  if (len > (1u << 20)) { fprintf(st, "fail plan: too big\n"); return 125; }
  unsigned char *body = malloc(len);
  if (readall(3, body, len)) { fprintf(st, "fail plan: short\n"); return 125; }
  char *args[64];
  int nargs = 0, nrules = 0;
  for (uint32_t off = 0; off + 6 <= len;) {
    unsigned tag = body[off] | body[off + 1] << 8;
    uint32_t vlen = u32(body + off + 2);
    unsigned char *v = body + off + 6;
    if (tag == 3 && nargs < 63) args[nargs++] = strndup((char *)v, vlen);
    if (tag == 23) nrules++;
    if (tag == 40) {
      char *path = strndup((char *)v, vlen);
      FILE *f = fopen(path, "w");
      if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) { fprintf(st, "fail cgroup %s: %s\n", path, strerror(errno)); return 125; }
    }
    off += 6 + vlen;
    if (tag == 65535) break;
  }
  args[nargs] = NULL;
  fprintf(st, "pid %d\nlandlock 0\nseccomp %d\n", getpid(), nrules);
  if (nargs > 0 && !strcmp(args[0], "@fail")) { fprintf(st, "fail mount /usr: No such file or directory\n"); return 125; }

  struct sigaction sa = {0};
  sa.sa_handler = fwd;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int errpipe[2];
  pipe2(errpipe, O_CLOEXEC);
  child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(3);
    fclose(st);
    execvp(args[0], args);
    int e = errno;
    write(errpipe[1], &e, sizeof e);
    _exit(127);
  }
  close(errpipe[1]);
  int e;
  if (read(errpipe[0], &e, sizeof e) == sizeof e) {
    fprintf(st, "exec %d: %s\n", e, strerror(e));
    waitpid(child, NULL, 0);
    return e == ENOENT ? 127 : 126;
  }
  fprintf(st, "started\n");
  int status, hup_seen = 0;
  for (;;) {
    struct pollfd p = {.fd = 3, .events = POLLIN};
    int r = poll(&p, 1, 50);
    if (r > 0 && (p.revents & POLLHUP)) {
      /* the supervisor is gone: kill the sandbox at once */
      kill(child, SIGKILL);
      hup_seen = 1;
    }
    pid_t w = waitpid(child, &status, WNOHANG);
    if (w == child) break;
  }
  if (!hup_seen) fprintf(st, "note lifeline open\n");
  if (WIFSIGNALED(status)) { fprintf(st, "signal %d\n", WTERMSIG(status)); return 128 + WTERMSIG(status); }
  fprintf(st, "exit %d\n", WEXITSTATUS(status));
  return WEXITSTATUS(status);
}
