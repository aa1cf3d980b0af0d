/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the fleet suite and bench share (header-only): an alert exactly as
 * `vigil run` prints it, and a real nats-server: JetStream
 * on, storage in a directory of the caller's, listening on 127.0.0.1 on a
 * port that was free when chosen; started and waited for by its own log
 * line ("Server is ready") with a deadline, killed with SIGKILL (a crash:
 * nothing flushed, nothing said to clients). The same port and storage are
 * reused across a restart.
 */
#ifndef VIGIL_TESTS_FLEETSIM_H
#define VIGIL_TESTS_FLEETSIM_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "output/json.h"

/* One alert in the form `vigil run` prints (Falco's keys plus mode and
 * action); `i` goes into the pid, the time and the output, so each is
 * distinct and can be told apart when read back (pid = 1000 + i). */
static inline void fleetsim_alert(struct strbuf *sb, const char *host, const char *rule,
				  const char *mode, const char *action, const char *exe,
				  const char *cont, unsigned i)
{
	struct json_w w;
	char ts[40], out[256];
	const char *name = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	uint64_t t = (uint64_t)time(NULL) * 1000000000ull + i;

	vg_clock_rfc3339(t, ts, sizeof(ts));
	snprintf(out, sizeof(out),
		 "Sensitive file opened for reading (file=/etc/shadow proc=%s pid=%u \"quoted\" "
		 "\\ tab\t)",
		 name, 1000 + i);
	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "time", ts);
	jw_str(&w, "rule", rule);
	jw_str(&w, "priority", "Warning");
	jw_str(&w, "output", out);
	jw_obj_begin(&w, "output_fields");
	jw_str(&w, "container.id", cont);
	jw_uint(&w, "evt.time", t);
	jw_str(&w, "fd.name", "/etc/shadow");
	jw_str(&w, "proc.exepath", exe);
	jw_str(&w, "proc.name", name);
	jw_uint(&w, "proc.pid", 1000 + i);
	jw_uint(&w, "user.uid", 0);
	jw_obj_end(&w);
	jw_arr_begin(&w, "tags");
	jw_str(&w, NULL, "T1003.008");
	jw_str(&w, NULL, "mitre_credential_access");
	jw_arr_end(&w);
	jw_str(&w, "hostname", host);
	jw_str(&w, "source", "syscall");
	jw_str(&w, "mode", mode);
	jw_str(&w, "action", action);
	jw_obj_end(&w);
}

struct natsd {
	pid_t pid; /* -1 when not running */
	unsigned short port;
	char store[192], log[192], url[64];
	const char *extra[12]; /* more nats-server arguments (TLS), NULL-ended */
};

/* A TCP port on 127.0.0.1 nobody listened on a moment ago; 0 on failure. */
static inline unsigned short natsd_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned short p = 0;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		p = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return p;
}

static inline long long natsd_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Storage in dir/js, log in dir/nats-server.log. 0, or -1 (no free port). */
static inline int natsd_init(struct natsd *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->port = natsd_free_port();
	snprintf(s->store, sizeof(s->store), "%s/js", dir);
	snprintf(s->log, sizeof(s->log), "%s/nats-server.log", dir);
	snprintf(s->url, sizeof(s->url), "nats://127.0.0.1:%u", s->port);
	return s->port ? 0 : -1;
}

/* Does the log hold `what` after byte `from`? */
static inline bool natsd_log_has(const struct natsd *s, const char *what, long from)
{
	FILE *f = fopen(s->log, "r");
	char *buf = NULL;
	size_t n = 0;
	bool found = false;

	if (!f)
		return false;
	if (fseek(f, from, SEEK_SET) == 0 && getdelim(&buf, &n, '\0', f) > 0)
		found = strstr(buf, what) != NULL;
	free(buf);
	fclose(f);
	return found;
}

/* Start it and wait up to timeout_ms until it is ready: 0, or -1 after
 * saying why on stderr. */
static inline int natsd_start(struct natsd *s, int timeout_ms)
{
	char port[16];
	struct stat st;
	long from = stat(s->log, &st) ? 0 : (long)st.st_size;
	long long deadline = natsd_ms() + timeout_ms;

	snprintf(port, sizeof(port), "%u", s->port);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		const char *argv[24] = { "nats-server", "-a", "127.0.0.1", "-p", port, "-js", "-sd",
					 s->store };
		size_t n = 8;

		/* the server dies with the test or bench that started it, even
		 * one killed before it could clean up */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (size_t i = 0; s->extra[i] && n < 23; i++)
			argv[n++] = s->extra[i];
		argv[n] = NULL;
		execvp("nats-server", (char *const *)argv);
		_exit(127);
	}
	while (natsd_ms() < deadline) {
		int status;

		if (natsd_log_has(s, "Server is ready", from))
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			fprintf(stderr, "nats-server exited (status %d); see %s\n", status, s->log);
			s->pid = -1;
			return -1;
		}
		usleep(20000);
	}
	fprintf(stderr, "nats-server not ready within %d ms; see %s\n", timeout_ms, s->log);
	return -1;
}

static inline void natsd_kill(struct natsd *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = -1;
}

#endif /* VIGIL_TESTS_FLEETSIM_H */
