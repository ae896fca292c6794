/* bench/startup.sh: run-init INIT PLAN.bin — spawns nemoclaw-init as the supervisor does: the plan
 * on fd 3 (a pipe kept open as the lifeline), status lines to /dev/null; exits as the init. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
	static char buf[1 << 20];
	int f = open(argv[2], O_RDONLY), p[2], st;
	ssize_t n = read(f, buf, sizeof buf);
	pipe(p);
	int dn = open("/dev/null", O_WRONLY);
	posix_spawn_file_actions_t a; posix_spawn_file_actions_init(&a);
	posix_spawn_file_actions_adddup2(&a, p[0], 3);
	posix_spawn_file_actions_adddup2(&a, dn, 4);
	char *av[] = {argv[1], "--plan-fd", "3", "--status-fd", "4", NULL};
	pid_t pid; if (posix_spawn(&pid, argv[1], &a, NULL, av, environ)) return 125;
	close(p[0]); write(p[1], buf, n);
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}
