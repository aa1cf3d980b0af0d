// SPDX-License-Identifier: Apache-2.0
/*
 * Container names and images, asked off the event path; see runtime.h.
 * One worker thread does the blocking I/O: the docker API (connect, write,
 * read, each bounded by IO_TIMEOUT_S) and the state files (cstate.c); the
 * agent's thread only queues requests and takes answers. In flight
 * (queued, being asked, answered but not yet taken) at most QUEUE lookups,
 * so neither queue can overflow.
 */
#include "pipeline/runtime.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/readall.h"
#include "pipeline/containers.h"
#include "pipeline/cstate.h"

#define SLOTS 1024 /* cached containers; power of two */
#define QUEUE 64   /* lookups in flight */
#define ID_MAX 65  /* 64 hex + NUL */
#define RESP_MAX (1u << 20) /* an inspect answer is ~10-30 KiB; more is not docker */
#define IO_TIMEOUT_S 2
#define RETRY_S 30

enum { M_EMPTY, M_PENDING, M_KNOWN, M_FAILED };

struct slot {
	char id[ID_MAX];
	uint8_t state;
	bool refreshing; /* M_KNOWN, asked again for a new cgroup */
	uint8_t tries;	 /* failed lookups in a row */
	uint64_t retry_at; /* M_FAILED: seconds (vg_runtime_poll's clock) */
	uint64_t cgroup;   /* the cgroup the container was last asked about in */
	struct vg_cmeta m;
};

/* What the worker needs to find a container: copied from its vg_cinfo. */
struct request {
	char id[ID_MAX];
	char ns[64];
	char pod_uid[37];
	const char *runtime; /* a static string, or NULL */
};

struct result {
	char id[ID_MAX];
	int err; /* 0, or negative errno */
	struct vg_cmeta m;
};

struct vg_runtime {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char root[256]; /* "" or HOST_ROOT */
	bool enabled;
	uint64_t now_s;
	struct vg_runtime_stats st;
	struct slot slots[SLOTS];
	/* shared with the worker, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct request req[QUEUE];
	size_t req_head, req_n;
	struct result res[QUEUE];
	size_t res_n;
	size_t inflight;
	bool stop, started;
	pthread_t worker;
};

/* --- the HTTP answer ------------------------------------------------------------ */

/* Header `name` (case-insensitive) in headers [h, end): its value, or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);

	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);

		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > n && h[n] == ':' && !strncasecmp(h, name, n)) {
			const char *v = h + n + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/* Undo chunked transfer coding into a new buffer; NULL if malformed. */
static char *dechunk(const char *p, const char *end, size_t *out_len)
{
	char *out = malloc((size_t)(end - p) + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		unsigned long size;
		char *e;

		if (!eol || !isxdigit((unsigned char)*p))
			break;
		size = strtoul(p, &e, 16);
		if (e > eol || (e < eol && *e != ';'))
			break;
		p = eol + 2;
		if (size == 0) {
			*out_len = n;
			return out;
		}
		if (size > (size_t)(end - p) || (size_t)(end - p) - size < 2 || memcmp(p + size, "\r\n", 2))
			break;
		memcpy(out + n, p, size);
		n += size;
		p += size + 2;
	}
	free(out);
	return NULL;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int vg_docker_parse(const char *resp, size_t len, struct vg_cmeta *out)
{
	const char *end = resp + len, *hend, *body, *v;
	char *owned = NULL;
	size_t blen, vlen;
	int status, err;

	memset(out, 0, sizeof(*out));
	/* "HTTP/1.x NNN reason" */
	if (len < 12 || memcmp(resp, "HTTP/1.", 7) || resp[8] != ' ' || !isdigit((unsigned char)resp[9]) ||
	    !isdigit((unsigned char)resp[10]) || !isdigit((unsigned char)resp[11]))
		return -EPROTO;
	status = (resp[9] - '0') * 100 + (resp[10] - '0') * 10 + (resp[11] - '0');
	if (status == 404)
		return -ENOENT;
	if (status != 200)
		return -EPROTO;
	hend = memmem(resp, len, "\r\n\r\n", 4);
	if (!hend)
		return -EPROTO;
	body = hend + 4;
	blen = (size_t)(end - body);
	if ((v = header(resp, hend + 2, "Transfer-Encoding", &vlen)) && vlen >= 7 &&
	    !strncasecmp(v, "chunked", 7)) {
		owned = dechunk(body, end, &blen);
		if (!owned)
			return -EPROTO;
		body = owned;
	} else if ((v = header(resp, hend + 2, "Content-Length", &vlen))) {
		unsigned long cl = strtoul(v, NULL, 10);

		if (cl > blen)
			return -EPROTO; /* cut short */
		blen = cl;
	}
	/* the answer's body is the container's config.v2.json */
	err = vg_docker_state_parse(body, blen, out) ? -EPROTO : 0;
	free(owned);
	return err;
}

/* --- the worker ------------------------------------------------------------------ */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Has `buf` a whole answer, by its Content-Length? (Else: read to EOF.) */
static bool complete(const char *buf, size_t n)
{
	const char *hend = buf ? memmem(buf, n, "\r\n\r\n", 4) : NULL, *v;
	size_t vlen;

	if (!hend || !(v = header(buf, hend + 2, "Content-Length", &vlen)))
		return false;
	return (size_t)(buf + n - (hend + 4)) >= strtoul(v, NULL, 10);
}

/* One exchange with the API: connect, ask, read the answer, parse. */
static int ask(const char *path, const char *id, struct vg_cmeta *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	char req[160], *buf = NULL;
	size_t n = 0;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* connect() on a unix socket waits (backlog full) up to SO_SNDTIMEO */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}
	/* HTTP/1.0: the server closes after one answer, never chunks it */
	snprintf(req, sizeof(req), "GET /containers/%s/json HTTP/1.0\r\nHost: docker\r\n\r\n", id);
	err = write_all(fd, req, strlen(req));
	if (!err)
		err = vg_read_all(fd, RESP_MAX, complete, &buf, &n);
	if (!err)
		err = vg_docker_parse(buf, n, m);
out:
	free(buf);
	close(fd);
	return err;
}

static bool is(const char *runtime, const char *name)
{
	return !runtime || !strcmp(runtime, name);
}

/*
 * Ask the sources that may know the container, most precise first. A
 * runtime named by the cgroup is asked alone; a container the cgroup does
 * not attribute (a kubepods cgroupfs path) is asked of each in turn.
 */
static int lookup(const struct vg_runtime *rt, const struct request *q, struct vg_cmeta *m)
{
	int err = -ENOENT;

	memset(m, 0, sizeof(*m));
	if (q->runtime && !strcmp(q->runtime, "containerd") && q->ns[0])
		err = vg_cstate_containerd(rt->root, q->ns, q->id, m);
	else if (is(q->runtime, "containerd"))
		err = vg_cstate_containerd(rt->root, "k8s.io", q->id, m); /* CRI's namespace */
	if (err && (is(q->runtime, "cri-o") || is(q->runtime, "podman")))
		err = vg_cstate_storage(rt->root, q->id, m);
	if (err && is(q->runtime, "docker")) {
		/* the API knows renames; the state file serves without a socket
		 * (or with the host's, under HOST_ROOT) */
		if (rt->path[0])
			err = ask(rt->path, q->id, m);
		if (err)
			err = vg_cstate_docker(rt->root, q->id, m);
	}
	if (err)
		return err;
	if (q->pod_uid[0] && !m->pod_name[0])
		vg_cstate_podlogs(rt->root, q->pod_uid, m);
	if (!m->pod_uid[0] && q->pod_uid[0])
		memcpy(m->pod_uid, q->pod_uid, sizeof(m->pod_uid));
	return 0;
}

static void *worker_main(void *arg)
{
	struct vg_runtime *rt = arg;

	pthread_mutex_lock(&rt->mu);
	for (;;) {
		struct request q;
		struct result r;

		while (!rt->req_n && !rt->stop)
			pthread_cond_wait(&rt->cv, &rt->mu);
		if (rt->stop)
			break;
		q = rt->req[rt->req_head];
		rt->req_head = (rt->req_head + 1) % QUEUE;
		rt->req_n--;
		pthread_mutex_unlock(&rt->mu);
		memcpy(r.id, q.id, ID_MAX);
		r.err = lookup(rt, &q, &r.m);
		pthread_mutex_lock(&rt->mu);
		rt->res[rt->res_n++] = r; /* res_n <= inflight <= QUEUE */
	}
	pthread_mutex_unlock(&rt->mu);
	return NULL;
}

/* --- the agent's side ------------------------------------------------------------- */

struct vg_runtime *vg_runtime_new(const char *docker_socket, const char *host_root)
{
	struct vg_runtime *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	if (docker_socket && docker_socket[0] && strlen(docker_socket) < sizeof(rt->path))
		strcpy(rt->path, docker_socket);
	if (host_root && strcmp(host_root, "/"))
		snprintf(rt->root, sizeof(rt->root), "%s", host_root);
	rt->enabled = true;
	pthread_mutex_init(&rt->mu, NULL);
	pthread_cond_init(&rt->cv, NULL);
	return rt;
}

void vg_runtime_free(struct vg_runtime *rt)
{
	if (!rt)
		return;
	pthread_mutex_lock(&rt->mu);
	rt->stop = true;
	pthread_cond_signal(&rt->cv);
	pthread_mutex_unlock(&rt->mu);
	if (rt->started)
		pthread_join(rt->worker, NULL);
	pthread_cond_destroy(&rt->cv);
	pthread_mutex_destroy(&rt->mu);
	free(rt);
}

static struct slot *slot_of(struct vg_runtime *rt, const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &rt->slots[h & (SLOTS - 1)];
}

/* Start the worker, with every signal blocked: they are the agent loop's. */
static int start_worker(struct vg_runtime *rt)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&rt->worker, NULL, worker_main, rt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

/* Queue a lookup; false when QUEUE are in flight or no worker can run. */
static bool request(struct vg_runtime *rt, const struct request *q)
{
	bool ok = false;

	pthread_mutex_lock(&rt->mu);
	if (!rt->started) {
		if (start_worker(rt)) {
			rt->enabled = false; /* no thread, no lookups: names stay <NA> */
			goto out;
		}
		rt->started = true;
	}
	if (rt->inflight < QUEUE) {
		rt->req[(rt->req_head + rt->req_n) % QUEUE] = *q;
		rt->req_n++;
		rt->inflight++;
		pthread_cond_signal(&rt->cv);
		ok = true;
	}
out:
	pthread_mutex_unlock(&rt->mu);
	return ok;
}

const struct vg_cmeta *vg_runtime_meta(struct vg_runtime *rt, const struct vg_cinfo *ci,
				       uint64_t cgroup_id)
{
	struct request q = { .runtime = ci->runtime };
	struct slot *s;
	bool same;

	if (!rt || !rt->enabled || !ci->container || !ci->full_id[0])
		return NULL;
	s = slot_of(rt, ci->full_id);
	same = s->state != M_EMPTY && !strcmp(s->id, ci->full_id);
	if (same) {
		/* a container seen in a new cgroup was restarted: ask again,
		 * answering with what we know meanwhile */
		if (s->state == M_KNOWN && (s->cgroup == cgroup_id || s->refreshing))
			return &s->m;
		if (s->state == M_PENDING || (s->state == M_FAILED && rt->now_s < s->retry_at))
			return NULL;
	}
	copy_str(q.id, sizeof(q.id), ci->full_id);
	copy_str(q.ns, sizeof(q.ns), ci->ns);
	copy_str(q.pod_uid, sizeof(q.pod_uid), ci->pod_uid);
	if (!request(rt, &q)) {
		rt->st.dropped++;
		/* the slot is left as it was: a later event asks again */
		return same && s->state == M_KNOWN ? &s->m : NULL;
	}
	rt->st.requests++;
	s->cgroup = cgroup_id;
	if (same && s->state == M_KNOWN) {
		s->refreshing = true;
		return &s->m;
	}
	memcpy(s->id, q.id, ID_MAX);
	s->state = M_PENDING;
	s->tries = same ? s->tries : 0;
	return NULL;
}

size_t vg_runtime_poll(struct vg_runtime *rt, uint64_t now_s)
{
	struct result res[QUEUE];
	size_t n;

	if (!rt)
		return 0;
	rt->now_s = now_s;
	if (!rt->started)
		return 0;
	pthread_mutex_lock(&rt->mu);
	n = rt->res_n;
	memcpy(res, rt->res, n * sizeof(res[0]));
	rt->res_n = 0;
	rt->inflight -= n;
	pthread_mutex_unlock(&rt->mu);
	for (size_t i = 0; i < n; i++) {
		struct slot *s = slot_of(rt, res[i].id);

		if (res[i].err)
			rt->st.failed++;
		else
			rt->st.found++;
		/* the slot may have been taken by another container meanwhile */
		if (strcmp(s->id, res[i].id))
			continue;
		if (s->state == M_KNOWN && s->refreshing) {
			s->refreshing = false;
			if (!res[i].err)
				s->m = res[i].m; /* else keep the old answer */
			continue;
		}
		if (s->state != M_PENDING)
			continue;
		if (res[i].err) {
			/* a container's state may land just after its first
			 * event: retry soon, then back off */
			s->state = M_FAILED;
			s->retry_at = now_s + (s->tries < 4 ? 2u << s->tries : RETRY_S);
			if (s->tries < 255)
				s->tries++;
		} else {
			s->state = M_KNOWN;
			s->tries = 0;
			s->m = res[i].m;
		}
	}
	return n;
}

void vg_runtime_stats(const struct vg_runtime *rt, struct vg_runtime_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (rt)
		*out = rt->st;
}
