package dev.nemoclaw.sandbox.init;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/**
 * The few glibc calls the JDK does not offer: posix_spawn with fd actions (ProcessBuilder closes
 * every fd above 2), pipes, unix sockets, waitpid/waitid, kill and poll. x86_64/aarch64 glibc: {@code long} is
 * {@code ssize_t}/{@code size_t}.
 */
public interface LibC extends Library {
  LibC C = Native.load("c", LibC.class);

  int O_CLOEXEC = 0x80000;
  int F_DUPFD_CLOEXEC = 1030;
  short POSIX_SPAWN_SETSIGDEF = 0x04;
  short POSIX_SPAWN_SETSIGMASK = 0x08;
  int SIGKILL = 9;
  int SIGTERM = 15;
  int EINTR = 4;
  int EAGAIN = 11;
  int ESRCH = 3;
  int P_PID = 1;
  int WEXITED = 4;
  int WNOWAIT = 0x01000000;
  short POLLIN = 0x1;
  int AF_UNIX = 1;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SCM_RIGHTS = 1;
  int MSG_CMSG_CLOEXEC = 0x40000000;
  int SHUT_RDWR = 2;

  int pipe2(int[] fds, int flags) throws LastErrorException;

  int fcntl(int fd, int cmd, int arg) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  long read(int fd, byte[] buf, long count) throws LastErrorException;

  long write(int fd, byte[] buf, long count) throws LastErrorException;

  int poll(Pointer fds, long nfds, int timeoutMs) throws LastErrorException;

  int socketpair(int domain, int type, int protocol, int[] sv) throws LastErrorException;

  long recvmsg(int fd, Pointer msghdr, int flags) throws LastErrorException;

  int shutdown(int fd, int how) throws LastErrorException;

  int SOCK_STREAM = 1;
  int SO_PEERCRED = 17;
  int ETIMEDOUT = 110;

  int O_PATH = 0x200000;
  int O_DIRECTORY = 0x10000;

  int open(String path, int flags) throws LastErrorException;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int bind(int fd, Pointer addr, int len) throws LastErrorException;

  int listen(int fd, int backlog) throws LastErrorException;

  int accept4(int fd, Pointer addr, Pointer len, int flags) throws LastErrorException;

  int getsockopt(int fd, int level, int name, Pointer value, IntByReference len)
      throws LastErrorException;

  int isatty(int fd);

  // posix_spawn* return the error number instead of setting errno
  int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr,
      StringArray argv, StringArray envp);

  int posix_spawn_file_actions_init(Pointer fileActions);

  int posix_spawn_file_actions_destroy(Pointer fileActions);

  int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

  int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags,
      int mode);

  /** glibc ≥ 2.34. */
  int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

  int posix_spawnattr_init(Pointer attr);

  int posix_spawnattr_destroy(Pointer attr);

  int posix_spawnattr_setflags(Pointer attr, short flags);

  int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

  int sigemptyset(Pointer set);

  int sigfillset(Pointer set);

  int waitpid(int pid, int[] status, int options) throws LastErrorException;

  int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

  int kill(int pid, int sig) throws LastErrorException;

  int getpid();

  int getuid();

  int getgid();

  String strerror(int errnum);
}
