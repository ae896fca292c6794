/* The Landlock UAPI up to ABI 7, spelled out here because distribution headers lag
 * (Debian 12's linux/landlock.h stops at ABI 2). Values are the kernel's. */
#ifndef NC_LANDLOCK_ABI_H
#define NC_LANDLOCK_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)

struct nc_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

#define NC_RULE_PATH_BENEATH 1
#define NC_RULE_NET_PORT 2

struct nc_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct nc_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define NC_FS_EXECUTE (1ULL << 0)
#define NC_FS_WRITE_FILE (1ULL << 1)
#define NC_FS_READ_FILE (1ULL << 2)
#define NC_FS_READ_DIR (1ULL << 3)
#define NC_FS_REMOVE_DIR (1ULL << 4)
#define NC_FS_REMOVE_FILE (1ULL << 5)
#define NC_FS_MAKE_CHAR (1ULL << 6)
#define NC_FS_MAKE_DIR (1ULL << 7)
#define NC_FS_MAKE_REG (1ULL << 8)
#define NC_FS_MAKE_SOCK (1ULL << 9)
#define NC_FS_MAKE_FIFO (1ULL << 10)
#define NC_FS_MAKE_BLOCK (1ULL << 11)
#define NC_FS_MAKE_SYM (1ULL << 12)
#define NC_FS_REFER (1ULL << 13)    /* ABI 2 */
#define NC_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define NC_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define NC_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NC_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define NC_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define NC_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

#endif
