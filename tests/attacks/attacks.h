/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attack-simulation suite: one scenario per bundled rule, each doing the
 * real behaviour harmlessly (on the host, or in a test "container"), and the
 * runner that checks vigil's alert for it (rule, MITRE tags, pid, container).
 *
 * scenarios.c holds the behaviours and the table; attacks_it.c the fixtures
 * and the runner.
 */
#ifndef VIGIL_TESTS_ATTACKS_H
#define VIGIL_TESTS_ATTACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What the fixtures prepared; scenarios only read it. */
struct attack_env {
	char dir[64];	     /* /tmp/vigil-attack-XXXXXX (0755): bin/ copies of true, sh/ of bash */
	char home[64];	     /* /home/vigil-attack-PID: a user's home with .ssh and .aws */
	char shm[64];	     /* /dev/shm/vigil-attack-PID/true */
	char cgroup[512];    /* the container's cgroup, "" without cgroup v2 */
	char container_id[13];
	char rootdev[64];    /* the root filesystem's block device */
	unsigned short port; /* a loopback listener on 127.0.0.1 */
	/* This host's address off loopback, standing in for a remote host (the
	 * outbound rules spare loopback), with listeners on far_port (any free
	 * one), 4444 and 3333; "" when the host has no such address. */
	char far_ip[16];
	unsigned short far_port;
	pid_t vigil_pid;
	int host_netns;	     /* an fd on the host's network namespace */
	int suid_ok;	     /* setuid programs run with their owner's uid below dir */
};

extern struct attack_env env;

/* From the integration harness (harness.h): whether this process runs
 * chrooted, where the kernel refuses it user namespaces. */
bool in_chroot(void);

/* scenario flags */
#define IN_CONTAINER 0x1 /* runs as pid 1 of a test container */
#define ENFORCED 0x2	 /* the rule's mode is enforce: the process may be killed */

/* A scenario's exit codes (anything else is the exit code of the program it
 * ran, which the runner does not judge). */
#define SC_SKIP 77	/* the behaviour is not possible here */
#define SC_FAIL(n) (100 + (n)) /* 100..119: the behaviour could not be set up */

struct scenario {
	const char *rule; /* the bundled rule it must raise */
	int (*fn)(const struct scenario *);
	unsigned flags;
	const char *arg;	    /* what fn works on (a path, a pattern), when it takes one */
	const char *tool;	    /* run_tool: a copy of /bin/true named so, in env.dir/bin */
	const char *const args[8]; /* run_tool: its arguments (argv[1]...) */
	const char *variant;	    /* a second scenario for a rule: how it differs */
};

extern const struct scenario scenarios[];
extern const size_t nscenarios;

/* Host scenarios may name the process that acts, when it is not the one the
 * runner forked, by writing its pid to this fd ("echo $BASHPID >&3"). */
#define REPORT_FD 3

/* env.dir/bin/NAME, created (a copy of /bin/true) when missing. */
const char *tool_path(const char *name, char *buf, size_t size);
/* env.dir/sh/NAME, created (a copy of /bin/bash) when missing. */
const char *shell_path(const char *name, char *buf, size_t size);

#endif /* VIGIL_TESTS_ATTACKS_H */
