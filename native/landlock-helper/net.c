/* The network namespace starts with only a down loopback. Bring lo up; nothing else
 * exists. NET_MODE proxy will also start the bridge from 127.0.0.1:PROXY_PORT to the
 * supervisor's PROXY_SOCKET; that bridge is not built yet (a later issue), so in both
 * modes the sandbox has loopback only and the status line says "bridge none". */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nc.h"

static void loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die_with_error("lo: socket");
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die_with_error("lo: SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die_with_error("lo: SIOCSIFFLAGS");
	close(fd);
}

void net_setup(const struct nc_plan *plan)
{
	loopback_up();
	if (plan->net_mode == 1)
		status_line("bridge none");
}
