/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evasion suite: each case is a way around a bundled rule that an
 * attacker would try (another syscall door, another ABI, another spelling),
 * written with real syscalls, next to its plain control: both must raise
 * the same rule (or be killed by it). cases_*.c hold the behaviours and
 * their tables; evasion_it.c the fixtures and the runner.
 */
#ifndef VIGIL_TESTS_EVASION_H
#define VIGIL_TESTS_EVASION_H

#include <stddef.h>
#include <sys/types.h>

#include "../uring.h"

/* What the fixtures prepared; cases only read it. */
struct evasion_env {
	char dir[64];	     /* /tmp/vigil-evasion-XXXXXX */
	pid_t vigil_pid;     /* the suite's agent (bundled rules, enforce) */
	char far_ip[16];     /* this host's address off loopback, "" if none */
	unsigned short far_port; /* a listener there */
};

extern struct evasion_env env;

/* case flags */
#define EV_MNTNS 0x1  /* runs in a private mount namespace ("a container" to the rules) */
#define EV_KILLED 0x2 /* the rule enforces: the process must die of SIGKILL */
#define EV_FAR 0x4    /* needs far_ip (skipped without it) */
/* killed for a fact only the kernel sees (the executable's file, where
 * user space sees a listed path): the alert is "vigil: enforcement" naming
 * the rule */
#define EV_KERNEL_FACT 0x8
/* an ia32 call through int 0x80: skipped where the machine faults on it
 * (tests/ia32.h) */
#define EV_IA32 0x10

/* A case's exit codes besides 0 (anything else fails the case). */
#define EV_SKIP 77	       /* not possible here */
#define EV_FAIL(n) (100 + (n)) /* 100..119: could not be set up */

struct evasion_case {
	const char *name; /* "class: variant" ("control: ..." for the plain way) */
	const char *rule; /* the bundled rule it must raise */
	int (*fn)(void);
	unsigned flags;
};

extern const struct evasion_case syscall_cases[];
extern const size_t nsyscall_cases;

extern const struct evasion_case uring_cases[];
extern const size_t nuring_cases;

extern const struct evasion_case path_cases[];
extern const size_t npath_cases;

extern const struct evasion_case identity_cases[];
extern const size_t nidentity_cases;

/* The suite's program run with this argument (a copy of it under another
 * name) only loads a garbage module and exits 0: identity_init_module(). */
#define EVASION_INIT_MODULE_ARG "--init-module"
int identity_init_module(void);
int run_identity_tests(void);

/* A minimal io_uring (raw syscalls, as an attacker's implant has it). */
struct io_uring_sqe;
struct io_uring_cqe;
/* OPENAT of path (IOSQE_* flags) then a READ of it; 0, EV_SKIP, or
 * EV_FAIL(n). */
int uring_open_read(const char *path, unsigned sqe_flags);

/* In a child: chroot into <suite dir>/root-<pid> (its path in root),
 * which holds a bind mount of the host's /etc, read /etc/shadow there,
 * then wait for a byte (or EOF) on `hold`. Exit code as a case's. */
int chroot_read_shadow(char *root, size_t size, int hold);

/* The suite's program run with this argument, a file and a path is the
 * spared tool of the rails tests: rails_tool_main(). */
#define EVASION_RAILS_TOOL_ARG "--rails-tool"
int rails_tool_main(const char *what, const char *secret);

/* Groups of tests with agents of their own; cmocka's result. */
int run_rails_tests(void);
int run_tamper_tests(void);

/* A test's own agent, started with files in dir: stop it and remove dir;
 * nothing when dir is "" (not started, or ended already), and dir is ""
 * afterwards. 0, for a cmocka teardown to return. */
struct vigil_proc;
int own_agent_end(struct vigil_proc *agent, char *dir);

/* A string copied to memory below 4 GiB (int 0x80 takes 32-bit pointers). */
void *low_copy(const void *data, size_t len);

#endif /* VIGIL_TESTS_EVASION_H */
