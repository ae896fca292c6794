/* The network namespace starts with only a down loopback. Bring lo up; nothing else
 * exists. In NET_MODE proxy the bridge (bridge.c) is the one way out. */
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
	(void)plan;
	loopback_up();
}
