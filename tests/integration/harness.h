/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration-test harness: runs build/vigil as a child with its stdout and
 * stderr on pipes, waits for its ready line, collects the JSON objects it
 * prints, and waits (with a deadline, never a blind sleep) for an event that
 * matches a predicate.
 */
#ifndef VIGIL_TEST_HARNESS_H
#define VIGIL_TEST_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vigil_proc {
	pid_t pid;
	int out_fd, err_fd;
	char *out;	/* partial stdout line */
	size_t outlen, outcap;
	char *err;	/* all of stderr so far, NUL-terminated */
	size_t errlen, errcap;
	json_t **ev;	/* parsed stdout lines, in order */
	size_t nev, evcap;
	size_t bad_lines; /* stdout lines that were not valid JSON */
	bool keep_text;	  /* keep non-JSON lines in `text` instead of complaining */
	char *text;	  /* non-JSON stdout lines, newline-separated */
	bool own_group;	  /* set before the start: vigil leads a process group of its own */
	bool host_config; /* set before the start: read the host's /etc/vigil/vigil.yaml */
	size_t textlen;
	int status;	/* wait status once exited, else -1 */
};

typedef bool (*event_pred)(json_t *ev, void *ctx);

/* The vigil binary: $VIGIL, or build/vigil. */
const char *vigil_path(void);

/* No agent a test starts outlives it: `vigil run` and `vigil trace` get
 * `--duration VIGIL_AGENT_DEADLINE_S` unless argv gives a --duration, and
 * every vigil started here is SIGKILLed when the test process dies
 * (PR_SET_PDEATHSIG), however it dies. */
#define VIGIL_AGENT_DEADLINE_S "900"

/* Start vigil with argv (argv[0] ignored, NULL-terminated) and wait up to
 * timeout_ms for "vigil: ready" on its stderr. 0 on ready, -1 otherwise
 * (the process may have exited: see status and err). */
int vigil_start(struct vigil_proc *v, const char *const *argv, int timeout_ms);
/* Read whatever vigil printed within timeout_ms. Returns -1 once both pipes
 * are closed, else 0. */
int vigil_pump(struct vigil_proc *v, int timeout_ms);
/* Wait up to timeout_ms until v's stderr holds `what`. */
bool vigil_wait_stderr(struct vigil_proc *v, const char *what, int timeout_ms);
/* First collected event matching pred, waiting up to timeout_ms for more
 * output. NULL on timeout. The event stays owned by v. */
json_t *vigil_wait(struct vigil_proc *v, event_pred pred, void *ctx, int timeout_ms);
/* Number of collected events matching pred. */
size_t vigil_count(struct vigil_proc *v, event_pred pred, void *ctx);
/* SIGTERM (if running), collect the rest of the output, reap. Returns the
 * wait status, or -1 if it did not exit within timeout_ms (then SIGKILLed). */
int vigil_stop(struct vigil_proc *v, int timeout_ms);
void vigil_free(struct vigil_proc *v);

/* Run vigil to completion with argv, collecting output; returns the wait status. */
int vigil_run_to_end(struct vigil_proc *v, const char *const *argv, int timeout_ms);

/* `vigil fleet ARGS... --server SERVER` to completion (at most 27 args)
 * into a fresh *v (text: keep its stdout as text, not JSON events); the
 * wait status. */
int vigil_fleet_cmd(struct vigil_proc *v, const char *server, bool text, const char *const *args,
		    int timeout_ms);

/* A test group's agent: vigil_start with a minute to get ready, saying why
 * not on stderr. 0 or -1. */
int group_agent_start(struct vigil_proc *v, const char *const *argv);
/* Its end: stderr shown when VIGIL_IT_DEBUG is set, vigil stopped and freed,
 * then `tmpdir` removed. 0 or -1. */
int group_agent_end(struct vigil_proc *v, const char *tmpdir);

/* Dotted-path lookups into a JSON object ("proc.pid", "args.addr.port"). */
json_t *jget(json_t *root, const char *path);
const char *jstr(json_t *root, const char *path); /* NULL unless a string */
long long jint(json_t *root, const char *path);	  /* LLONG_MIN unless an integer */

/* Copy a file (an executable: mode 0755). 0, or -1. */
int copy_file(const char *from, const char *to);

/* Milliseconds of the monotonic clock. */
long long now_ms(void);

/* --- alerts ------------------------------------------------------------------ */

/* An alert's output_fields entry (keys hold dots: "proc.pid"). */
json_t *alert_field(json_t *alert, const char *name);
const char *alert_str(json_t *alert, const char *name); /* NULL unless a string */
long long alert_int(json_t *alert, const char *name);	/* -1 unless an integer */

/* An event_pred for vigil_wait/vigil_count: the alert of rule `rule` about
 * process `pid` (any process when pid is 0). */
struct alert_want {
	const char *rule;
	long long pid;
};
bool alert_matches(json_t *alert, void *want);

/* --- fixtures ------------------------------------------------------------------ */

/* A TCP listener on ip:port (port 0: any free one), its port in *out.
 * Returns the socket, or -1. */
int listen_tcp(const char *ip, unsigned short port, unsigned short *out);
/* This host's first IPv4 address off loopback (a stand-in for a remote
 * host), "" when it has none. */
void far_address(char *out, size_t size);
/* mkdir -p. 0 or -1. */
int mkdirs(const char *path);
/* Where cgroup v2 is mounted, or "" when it is not. */
void cgroup2_mount(char *out, size_t size);

/* Whether this process runs chrooted (its / is not PID 1's, as in a
 * package build's chroot): the kernel refuses it user namespaces
 * (unshare(2): EPERM), so tests that make one skip there. */
bool in_chroot(void);
/* Where this process's root lies as PID 1 sees it: "" when it is PID 1's
 * root, "/srv/root" in a chroot whose root is the mount /srv/root (as
 * scripts/chroot-test makes it); -ENOENT when PID 1 does not see it. */
int chroot_host_location(char *out, size_t size);

/*
 * A test "container" (BRIEF §5): fork a child that joins `cgroup` (a
 * directory under the cgroup2 mount, named as a runtime names one), enters
 * new pid, mount, uts and net namespaces and forks the container's pid 1,
 * which runs fn(arg) and exits with its return value. Returns the host pid
 * of that pid 1 (or -1 when the container could not be set up) and stores
 * its wait status in *status.
 */
pid_t container_run(const char *cgroup, int (*fn)(void *), void *arg, int *status);
/*
 * The same, without waiting, in any namespaces: a child that joins
 * `cgroup` (NULL: stays where it is), unshares `ns` (CLONE_NEW*; a new mount
 * namespace gets private propagation) and runs fn(arg) in a process of its
 * own, with CLONE_NEWPID a grandchild, pid 1 inside. Returns the child to
 * wait for, which exits with fn's result (120..125: setting up failed; 128
 * + n: fn's process died of signal n), or -1; *inner gets the host pid of
 * the process running fn before fn returns.
 */
pid_t container_spawn(const char *cgroup, int ns, int (*fn)(void *), void *arg, pid_t *inner);
/* Wait for a child: its exit code, or -1 if it did not exit normally. */
int wait_exit(pid_t pid);

#endif /* VIGIL_TEST_HARNESS_H */
