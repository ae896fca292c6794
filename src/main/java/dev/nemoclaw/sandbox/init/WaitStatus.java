package dev.nemoclaw.sandbox.init;

/** A decoded {@code waitpid} status. */
public sealed interface WaitStatus {
  record Exited(int code) implements WaitStatus {}

  record Killed(int signal) implements WaitStatus {}

  /** WIFEXITED / WEXITSTATUS / WIFSIGNALED / WTERMSIG, as glibc defines them. */
  public static WaitStatus decode(int status) {
    int sig = status & 0x7f;
    if (sig == 0) {
      return new Exited((status >> 8) & 0xff);
    }
    return new Killed(sig);
  }
}
