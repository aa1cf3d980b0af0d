// SPDX-License-Identifier: Apache-2.0
/*
 * Other doors to the same behaviour: the ia32 ABI (int 0x80 from a 64-bit
 * process, socketcall), open_by_handle_at, the signal syscalls that are not
 * kill(2), process_vm_readv, and connections opened by sendto/sendmsg.
 * Each evasion is followed by its plain control in the table.
 *
 * Made harmless as in tests/attacks/: files are only read, the module is
 * garbage (refused), the signal to vigil is SIGCONT, "remote" hosts are
 * this host's own non-loopback address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../ia32.h"
#include "evasion.h"

#define NR32_OPEN 5
#define NR32_CLOSE 6
#define NR32_KILL 37
#define NR32_SOCKETCALL 102
#define NR32_INIT_MODULE 128
#define NR32_OPENAT 295
#define NR32_CONNECT 362
#define SYS_SOCKET_ 1
#define SYS_CONNECT_ 3
#define SYS_SENDTO_ 11
#define POOL_PORT 3333 /* a stratum port: "Connection to mining pool port" */

void *low_copy(const void *data, size_t len)
{
	static char *arena;
	static size_t used;
	char *p;

	if (!arena) {
		arena = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (arena == MAP_FAILED) {
			arena = NULL;
			return NULL;
		}
	}
	if (used + len + 16 > 1 << 16)
		return NULL;
	p = arena + used;
	memcpy(p, data, len);
	used += (len + 15) & ~(size_t)15;
	return p;
}

static char *low_str(const char *s)
{
	return low_copy(s, strlen(s) + 1);
}

/* --- credential access: /etc/shadow ------------------------------------------- */

static int ia32_open_shadow(void)
{
	char *path = low_str("/etc/shadow");
	long fd;

	if (!path)
		return EV_FAIL(1);
	fd = ia32_call(NR32_OPEN, (long)(unsigned long)path, O_RDONLY, 0, 0, 0);
	if (fd < 0)
		return EV_FAIL(2);
	ia32_call(NR32_CLOSE, fd, 0, 0, 0, 0);
	return 0;
}

/* The kernel's ia32 entry uses the low half of each register: the upper
 * half is the attacker's to fill with whatever confuses a tracer. */
static int ia32_openat_shadow_garbage(void)
{
	char *path = low_str("/etc/shadow");
	long fd;

	if (!path)
		return EV_FAIL(1);
	fd = ia32_call(NR32_OPENAT, (long)0x13370000ffffff9cull /* AT_FDCWD */,
		   (long)(0xdead000000000000ull | (unsigned long)path),
		   (long)(0x4000000000000000ull | O_RDONLY), 0, 0);
	if (fd < 0)
		return EV_FAIL(2);
	ia32_call(NR32_CLOSE, fd, 0, 0, 0, 0);
	return 0;
}

static int open_by_handle_shadow(void)
{
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, mfd, fd;

	if (!h)
		return EV_FAIL(1);
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/etc/shadow", h, &mount_id, 0))
		return EV_FAIL(2);
	mfd = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return EV_FAIL(3);
	/* no path at all: the file is named by the handle */
	fd = open_by_handle_at(mfd, h, O_RDONLY);
	free(h);
	close(mfd);
	if (fd < 0)
		return EV_FAIL(4);
	close(fd);
	return 0;
}

static int plain_open_shadow(void)
{
	int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return EV_FAIL(1);
	close(fd);
	return 0;
}

/* --- kernel module from "a container" (a private mount namespace) ---------------- */

static const char junk_module[64] = "not an ELF module";

static int ia32_init_module(void)
{
	char *img = low_copy(junk_module, sizeof(junk_module)), *args = low_str("");

	if (!img || !args)
		return EV_FAIL(1);
	ia32_call(NR32_INIT_MODULE, (long)(unsigned long)img, sizeof(junk_module),
	      (long)(unsigned long)args, 0, 0);
	return 0; /* alive: not killed */
}

static int plain_init_module(void)
{
	syscall(SYS_init_module, junk_module, sizeof(junk_module), "");
	return 0;
}

/* --- connections ------------------------------------------------------------------- */

static struct sockaddr_in far_pool(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(POOL_PORT) };

	inet_pton(AF_INET, env.far_ip, &sin.sin_addr);
	return sin;
}

/* socket + connect through socketcall(2), the i386 multiplexer */
static int ia32_socketcall_connect(void)
{
	struct sockaddr_in sin = far_pool();
	unsigned int sargs[3] = { AF_INET, SOCK_STREAM, 0 };
	unsigned int *a = low_copy(sargs, sizeof(sargs));
	struct sockaddr_in *lsin = low_copy(&sin, sizeof(sin));
	long s;

	if (!a || !lsin)
		return EV_FAIL(1);
	s = ia32_call(NR32_SOCKETCALL, SYS_SOCKET_, (long)(unsigned long)a, 0, 0, 0);
	if (s < 0)
		return EV_FAIL(2);
	a[0] = (unsigned int)s;
	a[1] = (unsigned int)(unsigned long)lsin;
	a[2] = sizeof(sin);
	ia32_call(NR32_SOCKETCALL, SYS_CONNECT_, (long)(unsigned long)a, 0, 0, 0); /* refused is fine */
	close((int)s);
	return 0;
}

/* i386's direct connect (362) */
static int ia32_connect(void)
{
	struct sockaddr_in sin = far_pool();
	struct sockaddr_in *lsin = low_copy(&sin, sizeof(sin));
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (!lsin || s < 0)
		return EV_FAIL(1);
	ia32_call(NR32_CONNECT, s, (long)(unsigned long)lsin, sizeof(sin), 0, 0);
	close(s);
	return 0;
}

static int plain_connect(void)
{
	struct sockaddr_in sin = far_pool();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return EV_FAIL(1);
	connect(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return 0;
}

/* TCP Fast Open: the connection is opened by the first data, no connect */
static int sendto_fastopen(void)
{
	struct sockaddr_in sin = far_pool();
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return EV_FAIL(1);
	sendto(s, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return 0;
}

static int sendmsg_fastopen(void)
{
	struct sockaddr_in sin = far_pool();
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return EV_FAIL(1);
	sendmsg(s, &m, MSG_FASTOPEN | MSG_NOSIGNAL);
	close(s);
	return 0;
}

/* the same through socketcall(SYS_SENDTO) */
static int ia32_sendto_fastopen(void)
{
	struct sockaddr_in sin = far_pool();
	struct sockaddr_in *lsin = low_copy(&sin, sizeof(sin));
	char *buf = low_str("x");
	unsigned int args[6];
	unsigned int *a;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (!lsin || !buf || s < 0)
		return EV_FAIL(1);
	args[0] = (unsigned int)s;
	args[1] = (unsigned int)(unsigned long)buf;
	args[2] = 1;
	args[3] = MSG_FASTOPEN | MSG_NOSIGNAL;
	args[4] = (unsigned int)(unsigned long)lsin;
	args[5] = sizeof(sin);
	a = low_copy(args, sizeof(args));
	if (!a)
		return EV_FAIL(2);
	ia32_call(NR32_SOCKETCALL, SYS_SENDTO_, (long)(unsigned long)a, 0, 0, 0);
	close(s);
	return 0;
}

/* --- tampering with vigil ------------------------------------------------------------ */

static int pidfd_sigcont(void)
{
	int fd = (int)syscall(SYS_pidfd_open, env.vigil_pid, 0);

	if (fd < 0)
		return EV_FAIL(1);
	if (syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0))
		return EV_FAIL(2);
	close(fd);
	return 0;
}

static int sigqueue_sigcont(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGCONT;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	return syscall(SYS_rt_sigqueueinfo, env.vigil_pid, SIGCONT, &si) ? EV_FAIL(1) : 0;
}

static int tgsigqueue_sigcont(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGCONT;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	return syscall(SYS_rt_tgsigqueueinfo, env.vigil_pid, env.vigil_pid, SIGCONT, &si)
		       ? EV_FAIL(1)
		       : 0;
}

static int ia32_kill_sigcont(void)
{
	return ia32_call(NR32_KILL, env.vigil_pid, SIGCONT, 0, 0, 0) ? EV_FAIL(1) : 0;
}

static int plain_kill_sigcont(void)
{
	return kill(env.vigil_pid, SIGCONT) ? EV_FAIL(1) : 0;
}

/* The first bytes of vigil's first mapping (its ELF header): read, not
 * written, but the read is what an attacker needs to find what to patch. */
static int vm_read_vigil(void)
{
	char path[64], line[256], buf[16];
	unsigned long start = 0;
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(buf) }, remote;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)env.vigil_pid);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "%lx-", &start) != 1) {
		if (f)
			fclose(f);
		return EV_FAIL(1);
	}
	fclose(f);
	remote.iov_base = (void *)start;
	remote.iov_len = sizeof(buf);
	return process_vm_readv(env.vigil_pid, &local, 1, &remote, 1, 0) == sizeof(buf) ? 0
											  : EV_FAIL(2);
}

#define CASE(name, rule, fn, flags) { name, rule, fn, flags }
#define SHADOW "Read sensitive file untrusted"
#define MODULE "Kernel module load from a container"
#define POOL "Connection to mining pool port"
#define SEND "Connection opened through sendto or sendmsg"
#define SIGQ "Signal sent to vigil through a pidfd or a signal queue"

const struct evasion_case syscall_cases[] = {
	CASE("ia32: open(/etc/shadow) through int 0x80", SHADOW, ia32_open_shadow, EV_IA32),
	CASE("ia32: openat through int 0x80, garbage in the upper halves", SHADOW,
	     ia32_openat_shadow_garbage, EV_IA32),
	CASE("control: open(/etc/shadow)", SHADOW, plain_open_shadow, 0),
	CASE("ia32: init_module through int 0x80 in a private mount namespace is killed", MODULE,
	     ia32_init_module, EV_MNTNS | EV_KILLED | EV_IA32),
	CASE("control: init_module in a private mount namespace is killed", MODULE,
	     plain_init_module, EV_MNTNS | EV_KILLED),
	CASE("ia32: connect through socketcall", POOL, ia32_socketcall_connect, EV_FAR | EV_IA32),
	CASE("ia32: connect (362)", POOL, ia32_connect, EV_FAR | EV_IA32),
	CASE("control: connect", POOL, plain_connect, EV_FAR),
	CASE("open_by_handle_at: /etc/shadow by handle", SHADOW, open_by_handle_shadow, 0),
	CASE("send: TCP Fast Open with sendto", SEND, sendto_fastopen, EV_FAR),
	CASE("send: TCP Fast Open with sendmsg", SEND, sendmsg_fastopen, EV_FAR),
	CASE("send: TCP Fast Open with ia32 socketcall(SYS_SENDTO)", SEND, ia32_sendto_fastopen,
	     EV_FAR | EV_IA32),
	CASE("signal: pidfd_send_signal to vigil", SIGQ, pidfd_sigcont, 0),
	CASE("signal: rt_sigqueueinfo to vigil", SIGQ, sigqueue_sigcont, 0),
	CASE("signal: rt_tgsigqueueinfo to vigil", SIGQ, tgsigqueue_sigcont, 0),
	CASE("signal: kill through int 0x80", "Signal sent to vigil", ia32_kill_sigcont, EV_IA32),
	CASE("control: kill to vigil", "Signal sent to vigil", plain_kill_sigcont, 0),
	CASE("memory: process_vm_readv of vigil", "Memory of vigil read or written", vm_read_vigil,
	     0),
};

const size_t nsyscall_cases = sizeof(syscall_cases) / sizeof(syscall_cases[0]);
